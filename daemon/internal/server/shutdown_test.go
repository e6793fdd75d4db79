package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// Once the daemon began stopping an apply is refused with a clear error:
// no job starts, nothing is applied, the stack's lock is free.
func TestApplyRefusedOnceShutdownBegan(t *testing.T) {
	for _, empty := range []bool{false, true} {
		name := "changes"
		if empty {
			name = "empty plan"
		}
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			if empty {
				if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
					t.Fatalf("first apply: %+v", job)
				}
			}
			ups, _ := e.rt.counts()
			jobsBefore := decodeBody[[]api.Job](t, e.do("GET", "/v1/jobs", nil))
			e.s.Jobs.Close()

			rec := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{})
			if rec.Code != http.StatusConflict {
				t.Fatalf("apply after shutdown began: %d %s; want 409", rec.Code, rec.Body)
			}
			body := decodeBody[api.ErrorBody](t, rec)
			if body.Error == nil || !strings.Contains(body.Error.Message, "shutting down") || body.Error.Hint == "" {
				t.Errorf("error = %+v; want it to say the daemon is shutting down, with a hint", body.Error)
			}
			if u, _ := e.rt.counts(); u != ups {
				t.Errorf("runtime Up calls %d→%d after a refused apply", ups, u)
			}
			if got := decodeBody[[]api.Job](t, e.do("GET", "/v1/jobs", nil)); len(got) != len(jobsBefore) {
				t.Errorf("jobs %d→%d after a refused apply", len(jobsBefore), len(got))
			}
			if got := e.s.Locks.Holders("shop"); len(got) != 0 {
				t.Errorf("lock left held: %v", got)
			}
		})
	}
}

// POST /v1/shutdown with if_idle: while a job runs the daemon refuses with
// a conflict naming it, does not stop and still starts jobs; once idle it
// stops and refuses new jobs.
func TestShutdownIfIdle(t *testing.T) {
	e := newTestEnv(t)
	stops := 0
	e.s.Srv.shutdown = func() { stops++ }

	release := make(chan struct{})
	job, err := e.s.Jobs.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		<-release
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := e.do("POST", "/v1/shutdown", api.ShutdownRequest{IfIdle: true})
	apiErr := wantError(t, rec, http.StatusConflict, api.CodeConflict)
	if !strings.Contains(apiErr.Message, job.ID) || apiErr.Hint == "" {
		t.Errorf("refusal = %+v; want it to name job %s, with a hint", apiErr, job.ID)
	}
	if stops != 0 {
		t.Fatalf("the daemon was stopped while job %s runs", job.ID)
	}
	close(release)
	e.waitJob(job.ID)

	// Still accepting jobs: an apply runs to its end.
	if _, applied := e.apply("shop", api.ApplyRequest{}); applied.State != api.JobSucceeded {
		t.Fatalf("apply after a refused if_idle shutdown: %+v", applied)
	}

	rec = e.do("POST", "/v1/shutdown", api.ShutdownRequest{IfIdle: true})
	if rec.Code != http.StatusOK || stops != 1 {
		t.Fatalf("if_idle shutdown of an idle daemon: %d %s, %d stop(s); want 200 and one stop", rec.Code, rec.Body, stops)
	}
	rec = e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{})
	if body := wantError(t, rec, http.StatusConflict, api.CodeConflict); !strings.Contains(body.Message, "shutting down") {
		t.Errorf("apply after the if_idle shutdown: %+v; want it refused as shutting down", body)
	}
}

// A plain shutdown (no body, as `devarch daemon stop` sends) stops the
// daemon even while a job runs: the daemon cancels it as it stops.
func TestShutdownPlainStopsBusyDaemon(t *testing.T) {
	e := newTestEnv(t)
	stops := 0
	e.s.Srv.shutdown = func() { stops++ }
	job, err := e.s.Jobs.Start(api.Job{Stack: "shop", Operation: "apply"}, func(ctx context.Context, emit func(string, string)) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.do("POST", "/v1/shutdown", nil); rec.Code != http.StatusOK || stops != 1 {
		t.Fatalf("shutdown: %d %s, %d stop(s); want 200 and one stop", rec.Code, rec.Body, stops)
	}
	e.s.Jobs.Cancel(job.ID)
	e.waitJob(job.ID)
	rec := e.do("POST", "/v1/shutdown", map[string]any{"if_idle": "yes"})
	wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
}
