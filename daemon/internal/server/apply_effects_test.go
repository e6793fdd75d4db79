package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestComposeUpIsBounded(t *testing.T) {
	e := newTestEnv(t)
	e.runner.Timeouts.Verify, e.runner.Timeouts.Up = 50*time.Millisecond, 50*time.Millisecond
	e.rt.upHook = func(ctx context.Context, n int, _ func(string)) error {
		if n > 1 {
			return nil // the rollback's up
		}
		<-ctx.Done() // compose waiting for a provider that never turns healthy
		return ctx.Err()
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State == api.JobSucceeded || !strings.Contains(job.Error, "compose up devarch-shop did not finish within") {
		t.Fatalf("job = %+v; want a failure saying compose up timed out", job)
	}
	if lk := e.s.Locks.Holders("shop"); len(lk) != 0 {
		t.Errorf("the lock is still held after the job ended: %+v", lk)
	}
}

// A changed config file's content must reach the container: the compose
// service the daemon hands the runtime changes (label devarch.files), so
// compose recreates the container instead of leaving it on the old file.
func TestApplyFileContentChangeChangesService(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", job)
	}
	before := e.rt.containers[core.ContainerName("shop", "db")].Labels[compose.LabelFiles]
	if before == "" {
		t.Fatalf("db container has no %s label: %+v", compose.LabelFiles, e.rt.containers)
	}
	apiBefore := e.rt.containers[core.ContainerName("shop", "api")].Labels

	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[1].Overrides.Files = map[string]core.ConfigFile{ // db
			"/etc/tdb/tdb.conf": {Target: "/etc/tdb/tdb.conf", Content: "max_connections=99\n", Mode: 0o640},
		}
	})
	p, _ := e.plan("shop", api.PlanRequest{})
	if len(p.Changes) != 1 || p.Changes[0].Instance != "db" || p.Changes[0].Action != "update" {
		t.Fatalf("plan after a file change = %+v; want update db", p.Changes)
	}
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply of the file change: %+v", job)
	}
	after := e.rt.containers[core.ContainerName("shop", "db")].Labels[compose.LabelFiles]
	if after == "" || after == before {
		t.Errorf("db %s label = %q after the file change, was %q; compose would keep the old container", compose.LabelFiles, after, before)
	}
	if got := e.rt.containers[core.ContainerName("shop", "api")].Labels; got[compose.LabelFiles] != apiBefore[compose.LabelFiles] {
		t.Errorf("api (no files) label changed: %v → %v", apiBefore, got)
	}
	// The label is a hash: the sensitive file's content is not in the YAML.
	ups := e.rt.upCalls()
	if last := ups[len(ups)-1].YAML; strings.Contains(last, "cfg-Kx77") {
		t.Errorf("compose YAML holds a sensitive file's content:\n%s", last)
	}
	data, err := os.ReadFile(filepath.Join(e.runner.FilesDir("shop"), "db", "etc", "tdb", "tdb.conf"))
	if err != nil || string(data) != "max_connections=99\n" {
		t.Errorf("materialized file = %q, %v; want the new content", data, err)
	}
}
