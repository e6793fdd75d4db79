package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

func newTestJobs(t *testing.T) (*Manager, *store.Store) {
	t.Helper()
	st := openTestStore(t, t.TempDir())
	j := NewManager(st, slog.New(slog.DiscardHandler))
	t.Cleanup(j.Wait)
	return j, st
}

// openTestStore opens a fresh sealed store under home.
func openTestStore(t *testing.T, home string) *store.Store {
	t.Helper()
	var key secrets.Key
	copy(key[:], bytes.Repeat([]byte{7}, len(key)))
	st, err := store.Open(filepath.Join(home, "devarch.db"), key)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func followAll(t *testing.T, j *Manager, id string) []api.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []api.Event
	if err := j.Follow(ctx, id, func(ev api.Event) error { got = append(got, ev); return nil }); err != nil {
		t.Fatalf("follow: %v", err)
	}
	return got
}

func TestJobLifecycleAndPersistence(t *testing.T) {
	tests := []struct {
		name      string
		run       RunFunc
		wantState api.JobState
		wantError string
		wantInst  string
	}{
		{
			name: "succeeds",
			run: func(ctx context.Context, emit func(string, string)) (string, error) {
				emit("db", "created")
				return "done", nil
			},
			wantState: api.JobSucceeded,
		},
		{
			name: "fails",
			run: func(ctx context.Context, emit func(string, string)) (string, error) {
				return "", errors.New("boom")
			},
			wantState: api.JobFailed, wantError: "boom",
		},
		{
			name: "rolled back",
			run: func(ctx context.Context, emit func(string, string)) (string, error) {
				return "", &Failure{State: api.JobRolledBack, Instance: "api", Err: errors.New("instance api: port taken")}
			},
			wantState: api.JobRolledBack, wantError: "instance api: port taken", wantInst: "api",
		},
		{
			name: "panics",
			run: func(ctx context.Context, emit func(string, string)) (string, error) {
				panic("oops")
			},
			wantState: api.JobFailed, wantError: "internal error: oops",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, st := newTestJobs(t)
			job, startErr := j.Start(api.Job{Stack: "shop", Operation: "apply"}, tt.run)
			if startErr != nil {
				t.Fatalf("start job: %v", startErr)
			}
			if len(job.ID) != 16 || job.State != api.JobQueued {
				t.Fatalf("started job = %+v", job)
			}
			events := followAll(t, j, job.ID)
			last := events[len(events)-1]
			if last.State != tt.wantState {
				t.Errorf("final event = %+v, want state %s", last, tt.wantState)
			}
			var rec store.JobRecord
			if err := st.View(func(tx *store.Tx) error {
				var err error
				rec, err = tx.GetJob(job.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if api.JobState(rec.Job.State) != tt.wantState || rec.Job.Error != tt.wantError || rec.Job.Instance != tt.wantInst || rec.Job.EndedAt == nil {
				t.Errorf("stored job = %+v", rec.Job)
			}
			var stored []api.Event
			if err := st.View(func(tx *store.Tx) error {
				recs, err := tx.Events(job.ID)
				for _, r := range recs {
					stored = append(stored, eventFromRecord(r))
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(stored) != len(events) {
				t.Errorf("stored %d events, followed %d", len(stored), len(events))
			}
			if j.Running() != 0 {
				t.Errorf("running = %d after the end", j.Running())
			}
		})
	}
}

func TestJobEventsReplayedToLateFollower(t *testing.T) {
	j, _ := newTestJobs(t)
	step := make(chan struct{})
	job, startErr := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		emit("db", "one")
		<-step
		emit("api", "two")
		return "ok", nil
	})
	if startErr != nil {
		t.Fatalf("start job: %v", startErr)
	}

	// A follower that joins mid-run gets the earlier events first.
	done := make(chan []api.Event)
	waitFor(t, func() bool {
		evs, _ := j.Events(job.ID)
		return len(evs) >= 2
	})
	go func() { done <- followAll(t, j, job.ID) }()
	time.Sleep(20 * time.Millisecond)
	close(step)
	mid := <-done

	// A follower after the end replays from the store.
	late := followAll(t, j, job.ID)
	for name, evs := range map[string][]api.Event{"mid-run": mid, "late": late} {
		var msgs []string
		for _, ev := range evs {
			msgs = append(msgs, ev.Message)
		}
		if got := strings.Join(msgs, "|"); got != "apply started|one|two|ok" {
			t.Errorf("%s follower saw %q", name, got)
		}
	}
}

func TestJobCancel(t *testing.T) {
	j, _ := newTestJobs(t)
	started := make(chan struct{})
	job, startErr := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		close(started)
		<-ctx.Done()
		return "", ctx.Err()
	})
	if startErr != nil {
		t.Fatalf("start job: %v", startErr)
	}
	<-started
	if _, err := j.Cancel(job.ID); err != nil {
		t.Fatal(err)
	}
	events := followAll(t, j, job.ID)
	got, err := j.Get(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != api.JobCancelled || events[len(events)-1].State != api.JobCancelled {
		t.Errorf("job = %+v", got)
	}
	if _, err := j.Cancel("nope"); !store.IsNotFound(err) {
		t.Errorf("cancel of an unknown job: %v, want not found", err)
	}
}

// dbPassword is a secret value no job message may show.
const dbPassword = "pw-Zq81-never-shown"

func TestJobMessagesScrubbed(t *testing.T) {
	j, _ := newTestJobs(t)
	job, startErr := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		emit("db", "password is "+dbPassword)
		return "", errors.New("failed with " + dbPassword)
	}, dbPassword)
	if startErr != nil {
		t.Fatalf("start job: %v", startErr)
	}
	events := followAll(t, j, job.ID)
	var all []string
	for _, ev := range events {
		all = append(all, ev.Message)
	}
	got, _ := j.Get(job.ID)
	text := strings.Join(all, "\n") + got.Error
	if strings.Contains(text, dbPassword) {
		t.Errorf("job shows secret %q:\n%s", dbPassword, text)
	}
	if !strings.Contains(text, "password is") {
		t.Errorf("events lost their text: %s", text)
	}
}

func TestRecoverInterrupted(t *testing.T) {
	j, st := newTestJobs(t)
	now := time.Now().UTC()
	err := st.Update(func(tx *store.Tx) error {
		for _, job := range []api.Job{
			{ID: "a1", Stack: "shop", Operation: "apply", State: api.JobRunning, CreatedAt: now},
			{ID: "a2", Stack: "shop", Operation: "destroy", State: api.JobQueued, CreatedAt: now},
			{ID: "a3", Stack: "shop", Operation: "apply", State: api.JobSucceeded, CreatedAt: now, EndedAt: &now},
		} {
			if err := tx.PutJob(jobRecord(job, 1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := j.RecoverInterrupted()
	if err != nil || n != 2 {
		t.Fatalf("recovered %d, %v; want 2", n, err)
	}
	want := map[string]api.JobState{"a1": api.JobInterrupted, "a2": api.JobInterrupted, "a3": api.JobSucceeded}
	for id, state := range want {
		got, err := j.Get(id)
		if err != nil || got.State != state {
			t.Errorf("job %s = %+v, %v; want %s", id, got, err, state)
		}
	}
	events := followAll(t, j, "a1")
	if len(events) != 1 || events[0].Message != "daemon stopped while the job ran" || events[0].State != api.JobInterrupted {
		t.Errorf("events = %+v", events)
	}
	if n, _ := j.RecoverInterrupted(); n != 0 {
		t.Errorf("second recovery marked %d", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
