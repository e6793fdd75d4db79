package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// CloseIfIdle refuses while a job runs, naming it, and jobs still start
// afterwards; once none runs it closes: every later Start is refused.
func TestCloseIfIdle(t *testing.T) {
	j, _ := newTestJobs(t)
	release := make(chan struct{})
	job, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		<-release
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = j.CloseIfIdle()
	var ce *core.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("CloseIfIdle with a running job = %v; want a conflict", err)
	}
	for _, want := range []string{job.ID, "apply of shop", "1 job"} {
		if !strings.Contains(ce.Msg, want) {
			t.Errorf("conflict %q does not name %q", ce.Msg, want)
		}
	}
	if ce.Hint == "" {
		t.Error("conflict has no hint")
	}
	if err := j.Accepting(); err != nil {
		t.Fatalf("after a refused CloseIfIdle the manager refuses jobs: %v", err)
	}
	other, err := j.Start(api.Job{Stack: "other", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		return "", nil
	})
	if err != nil {
		t.Fatalf("a job after a refused CloseIfIdle: %v", err)
	}
	followAll(t, j, other.ID)

	close(release)
	followAll(t, j, job.ID)
	if err := j.CloseIfIdle(); err != nil {
		t.Fatalf("CloseIfIdle with no job running = %v", err)
	}
	if _, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		return "", nil
	}); !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("Start after CloseIfIdle = %v; want ErrShuttingDown", err)
	}
	if err := j.CloseIfIdle(); err != nil {
		t.Errorf("CloseIfIdle once closed = %v; want nil", err)
	}
}

// Jobs starting all the time cannot slip past CloseIfIdle: when it
// succeeds no job runs, and none can start after it.
func TestCloseIfIdleRacingStarts(t *testing.T) {
	j, _ := newTestJobs(t)
	quick := func(ctx context.Context, emit func(string, string)) (string, error) { return "", nil }
	// Each starter stops after a few jobs (or at the close), so the
	// manager becomes idle while starts still race the close.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := j.Start(api.Job{Stack: "shop", Operation: "apply"}, quick); err != nil {
					return
				}
			}
		}()
	}
	refused := 0
	for j.CloseIfIdle() != nil {
		refused++
		time.Sleep(time.Millisecond)
	}
	if n := j.Running(); n != 0 {
		t.Errorf("CloseIfIdle succeeded with %d job(s) running", n)
	}
	wg.Wait()
	if n := j.Running(); n != 0 {
		t.Errorf("%d job(s) started after CloseIfIdle succeeded", n)
	}
	t.Logf("CloseIfIdle refused %d time(s) before it found the manager idle", refused)
}
