package jobs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// Progress events are written in batches: a job printing many lines makes a
// few transactions, not one synced write per line; every event is stored,
// in order, once the job ended.
func TestJobEventsWrittenInBatches(t *testing.T) {
	j, st := newTestJobs(t)
	const lines = 1000
	before := st.Commits()
	job, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		for i := range lines {
			emit("db", fmt.Sprintf("line %d", i))
		}
		return "ok", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := followAll(t, j, job.ID)
	if len(got) != lines+2 {
		t.Fatalf("followed %d events; want %d", len(got), lines+2)
	}
	commits := st.Commits() - before
	// The queued and running job records, one write per full batch, a few
	// timer flushes and the final write.
	if max := uint64(lines/eventBatch + 10); commits > max {
		t.Errorf("%d events took %d transactions; want at most %d", lines, commits, max)
	}
	stored, err := j.storedEvents(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != lines+2 {
		t.Fatalf("stored %d events; want %d", len(stored), lines+2)
	}
	for i := range lines {
		if want := fmt.Sprintf("line %d", i); stored[i+1].Message != want {
			t.Fatalf("stored event %d = %q; want %q", i+1, stored[i+1].Message, want)
		}
	}
	if last := stored[len(stored)-1]; last.State != api.JobSucceeded {
		t.Errorf("last stored event = %+v; want the final state", last)
	}
}

// An event that does not fill a batch is stored within the flush delay,
// while the job still runs, and a follower sees it at once.
func TestJobEventFlushedWhileRunning(t *testing.T) {
	j, _ := newTestJobs(t)
	hold := make(chan struct{})
	job, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		emit("db", "pulling")
		<-hold
		return "ok", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer close(hold)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	seen := errors.New("seen")
	start := time.Now()
	err = j.Follow(ctx, job.ID, func(ev api.Event) error {
		if ev.Message == "pulling" {
			return seen
		}
		return nil
	})
	if !errors.Is(err, seen) {
		t.Fatalf("follow = %v; want the event", err)
	}
	if d := time.Since(start); d >= eventFlushDelay {
		t.Errorf("follower waited %s for an event already emitted", d)
	}
	deadline := time.Now().Add(eventFlushDelay + 2*time.Second)
	for {
		var n int
		if err := j.store.View(func(tx *store.Tx) error {
			evs, err := tx.Events(job.ID)
			n = len(evs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored events of the running job = %d after %s; want 2", n, eventFlushDelay+2*time.Second)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Once Close was called no job starts: the refusal says why, and a job
// already running goes on to its end.
func TestCloseRefusesNewJobs(t *testing.T) {
	j, _ := newTestJobs(t)
	hold := make(chan struct{})
	running, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		<-hold
		return "ok", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Accepting(); err != nil {
		t.Fatalf("accepting before close = %v", err)
	}
	j.Close()
	ran := false
	_, err = j.Start(api.Job{Stack: "other", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		ran = true
		return "", nil
	})
	if !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("start after close = %v; want ErrShuttingDown", err)
	}
	if err := j.Accepting(); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("accepting after close = %v", err)
	}
	if jobs, _ := j.List(); len(jobs) != 1 {
		t.Errorf("jobs after a refused start = %d; want only the running one", len(jobs))
	}
	close(hold)
	got := followAll(t, j, running.ID)
	if last := got[len(got)-1]; last.State != api.JobSucceeded {
		t.Errorf("running job ended %+v; want succeeded", last)
	}
	if ran {
		t.Error("refused job ran")
	}
}
