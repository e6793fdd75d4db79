package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestVerifyWindow(t *testing.T) {
	hc := func(h *core.Healthcheck) core.WiredService {
		return core.WiredService{Service: core.Service{Instance: "x", Enabled: true, Healthcheck: h}}
	}
	tests := []struct {
		name string
		svc  core.WiredService
		want time.Duration
	}{
		{"no healthcheck", hc(nil), verifyTimeout},
		{"engine defaults", hc(&core.Healthcheck{Test: []string{"CMD", "true"}}), verifyTimeout},
		{"disabled", hc(&core.Healthcheck{Test: []string{"NONE"}, StartPeriod: core.Duration(time.Hour)}), verifyTimeout},
		{"short", hc(&core.Healthcheck{Test: []string{"CMD", "true"}, Interval: core.Duration(time.Second)}), verifyTimeout},
		{"slow start", hc(&core.Healthcheck{Test: []string{"CMD", "true"}, StartPeriod: core.Duration(5 * time.Minute),
			Interval: core.Duration(10 * time.Second), Retries: 5}), 5*time.Minute + 60*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verifyWindow([]core.WiredService{tt.svc}); got != tt.want {
				t.Errorf("window = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestComposeUpIsBounded(t *testing.T) {
	e := newTestEnv(t)
	verifyTimeout, upTimeout = 50*time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { upTimeout = 5 * time.Minute })
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
