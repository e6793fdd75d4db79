package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// HealthLog answers the runs set in f.health for the container.
func (f *fakeRuntime) HealthLog(_ context.Context, name string) ([]runtime.HealthResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.health[name]), nil
}

// failingDB makes the next Up leave devarch-shop-db unhealthy, with 35 log
// lines (one quoting the database password) and two healthcheck runs,
// the last one failing with the password in its output.
func failingDB(e *testEnv) {
	e.rt.mu.Lock()
	defer e.rt.mu.Unlock()
	for i := 1; i <= 35; i++ {
		e.rt.logs = append(e.rt.logs, fakeLog{"devarch-shop-db", "db", fmt.Sprintf("db line %02d", i)})
	}
	e.rt.logs = append(e.rt.logs, fakeLog{"devarch-shop-db", "db", "auth failed for password " + dbPassword})
	e.rt.health = map[string][]runtime.HealthResult{"devarch-shop-db": {
		{Start: time.Date(2025, 3, 1, 10, 0, 1, 0, time.UTC), ExitCode: 0, Output: "accepting connections"},
		{Start: time.Date(2025, 3, 1, 10, 0, 2, 0, time.UTC), ExitCode: 2, Output: "no response\nlogin with " + dbPassword + " refused"},
	}}
	failed := false // the rollback's Up leaves it healthy
	e.rt.afterUp = func(cs map[string]runtime.Container) {
		if c, ok := cs["devarch-shop-db"]; ok && !failed {
			failed = true
			c.Health = "unhealthy"
			cs["devarch-shop-db"] = c
		}
	}
}

// failingImage is the image of db in the update that fails.
var failingImage = "docker.io/library/tdb:2"

func (e *testEnv) container(name string) (runtime.Container, bool) {
	e.rt.mu.Lock()
	defer e.rt.mu.Unlock()
	c, ok := e.rt.containers[name]
	return c, ok
}

func (e *testEnv) hasContainer(name string) bool {
	_, ok := e.container(name)
	return ok
}

// TestFailedApplyKeepsEvidence checks that a failed apply records the
// failing container's last 30 log lines and its healthcheck runs,
// scrubbed, before the rollback removes it; with keep_failed the
// container stays (the rest rolls back) and the job says how to clean up.
func TestFailedApplyKeepsEvidence(t *testing.T) {
	wantEvidence := []string{
		`"instance":"db"`,
		"last 30 log lines of container devarch-shop-db:",
		"  | db line 07", "  | db line 35",
		"  | auth failed for password [REDACTED]",
		"last 2 healthcheck runs of container devarch-shop-db:",
		"  healthcheck at 10:00:01 exited 0:", "  | accepting connections",
		"  healthcheck at 10:00:02 exited 2:", "  | no response", "  | login with [REDACTED] refused",
	}
	tests := []struct {
		name       string
		prev       bool // a first apply succeeded before the failing one
		keepFailed bool
		state      api.JobState
		after      string // the event that follows the evidence
	}{
		{"first apply", false, false, api.JobFailed, "removing what it created"},
		{"first apply, keep failed", false, true, api.JobFailed, "keeping container(s) devarch-shop-db (--keep-failed)"},
		{"update", true, false, api.JobRolledBack, "rolling back to the snapshot"},
		{"update, keep failed", true, true, api.JobRolledBack, "keeping container(s) devarch-shop-db (--keep-failed), rolling the rest back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			if tt.prev {
				if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
					t.Fatalf("first apply: %+v", job)
				}
				e.changeStack("shop", func(st *core.Stack) {
					for i := range st.Instances {
						if st.Instances[i].Name == "db" {
							st.Instances[i].Overrides.Image = &failingImage
						}
					}
				})
			}
			failingDB(e)
			_, job := e.apply("shop", api.ApplyRequest{KeepFailed: tt.keepFailed})
			if job.State != tt.state || job.Instance != "db" || !strings.Contains(job.Error, "devarch-shop-db is unhealthy") {
				t.Fatalf("job = %+v, want %s on db's health", job, tt.state)
			}
			events := e.eventsText(job.ID)
			for _, want := range wantEvidence {
				if !strings.Contains(events, want) {
					t.Errorf("events lack %q:\n%s", want, events)
				}
			}
			if strings.Contains(events, "db line 06") {
				t.Errorf("events hold more than the last 30 log lines:\n%s", events)
			}
			assertNoSecrets(t, "events", events)
			ev, next := strings.Index(events, "last 30 log lines"), strings.Index(events, tt.after)
			if next < 0 || ev > next {
				t.Errorf("evidence (at %d) not recorded before %q (at %d):\n%s", ev, tt.after, next, events)
			}

			// The failed container is the one from the failing apply's
			// definition: on an update, the one of the new image.
			db, found := e.container("devarch-shop-db")
			kept := found && (!tt.prev || db.Image == failingImage)
			if kept != tt.keepFailed {
				t.Errorf("failed container devarch-shop-db kept = %v, want %v (found %v, image %s)", kept, tt.keepFailed, found, db.Image)
			}
			hint := "`devarch logs shop db`, then run `devarch apply shop` again (it replaces them) or `devarch destroy shop`"
			if strings.Contains(events, hint) != tt.keepFailed {
				t.Errorf("cleanup hint shown = %v, want %v:\n%s", !tt.keepFailed, tt.keepFailed, events)
			}
			// The rest rolls back: api runs as before, or is gone with
			// nothing applied before.
			if api := e.hasContainer("devarch-shop-api"); api != tt.prev {
				t.Errorf("container devarch-shop-api present = %v, want %v", api, tt.prev)
			}
			if !tt.keepFailed {
				return
			}
			if _, downs := e.rt.counts(); downs != 0 {
				t.Errorf("down calls = %d with keep_failed, want none", downs)
			}
			e.rt.mu.Lock()
			last := e.rt.serviceUps[len(e.rt.serviceUps)-1]
			e.rt.mu.Unlock()
			if !slices.Equal(last[1], []string{"db"}) || slices.Contains(last[0], "db") {
				t.Errorf("rollback up started %v, left %v; want db left alone", last[0], last[1])
			}

			// Destroy removes what was kept.
			if _, job := e.apply("shop", api.ApplyRequest{Destroy: true}); job.State != api.JobSucceeded {
				t.Fatalf("destroy: %+v", job)
			}
			if e.hasContainer("devarch-shop-db") {
				t.Error("destroy left the kept container")
			}
		})
	}
}

func TestKeepFailedRefusedWithDestroy(t *testing.T) {
	e := newTestEnv(t)
	rec, _ := e.apply("shop", api.ApplyRequest{Destroy: true, KeepFailed: true})
	if rec.Code == 200 || !strings.Contains(rec.Body.String(), "keep_failed") {
		t.Errorf("destroy with keep_failed: %d %s", rec.Code, rec.Body.String())
	}
}
