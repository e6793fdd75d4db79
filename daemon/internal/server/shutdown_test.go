package server

import (
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
