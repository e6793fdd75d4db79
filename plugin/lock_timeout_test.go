package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// --lock-timeout 0 means "fail at once when held" for every command, and
// reaches the daemon as LockNoWait; plan waits 10s unless told otherwise.
func TestLockTimeoutReachesTheDaemon(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		timeout time.Duration
		noWait  bool
	}{
		{[]string{"apply", "same", "--auto-approve"}, 0, true},
		{[]string{"apply", "same", "--auto-approve", "--lock-timeout", "0"}, 0, true},
		{[]string{"apply", "same", "--auto-approve", "--lock-timeout", "3s"}, 3 * time.Second, false},
		{[]string{"destroy", "same", "--auto-approve"}, 0, true},
		{[]string{"plan", "same"}, 10 * time.Second, false},
		{[]string{"plan", "same", "--lock-timeout", "0"}, 0, true},
		{[]string{"plan", "same", "--lock-timeout", "2s"}, 2 * time.Second, false},
	} {
		var got api.PlanRequest
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/stacks/same/plan" {
				apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
				return
			}
			json.NewDecoder(r.Body).Decode(&got)
			json.NewEncoder(w).Encode(plan.View{ID: "p0", Stack: "same"})
		})
		c, out, errOut := fakeDaemon(t, h, "")
		if code := c.execute(context.Background(), tc.args); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", tc.args, code, out, errOut)
		}
		if got.LockTimeout != core.Duration(tc.timeout) || got.LockNoWait != tc.noWait {
			t.Errorf("%v: plan request lock_timeout %v, lock_no_wait %v; want %v, %v",
				tc.args, time.Duration(got.LockTimeout), got.LockNoWait, tc.timeout, tc.noWait)
		}
	}
}

func TestPlanTTLNeedsSave(t *testing.T) {
	c, _, errOut := fakeDaemon(t, http.NotFoundHandler(), "")
	if code := c.execute(context.Background(), []string{"plan", "same", "--ttl", "5m"}); code != 1 {
		t.Fatalf("plan --ttl without --save: exit %d, want 1", code)
	}
	if !strings.Contains(errOut.String(), "--ttl") || !strings.Contains(errOut.String(), "--save") {
		t.Errorf("stderr should name --ttl and --save: %s", errOut)
	}
}

func TestDestroyPurgeSaysWhatGoes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/stacks/same/plan":
			json.NewEncoder(w).Encode(plan.View{ID: "p0", Stack: "same", Destroy: true})
		case "/v1/stacks/same/apply":
			json.NewEncoder(w).Encode(api.Job{ID: "j1", Stack: "same", Operation: "destroy", State: api.JobSucceeded, Summary: "Stack \"same\" removed."})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"destroy", "same", "--purge", "--auto-approve"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "named volumes (the data of its services) are removed too") {
		t.Errorf("destroy --purge should say the definition and volumes go:\n%s", out)
	}
	c, _, errOut = fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"destroy", "same", "--purge"}); code != 1 || !strings.Contains(errOut.String(), "destroy same --purge --auto-approve") {
		t.Errorf("without a terminal the hint must keep --purge: exit %d\n%s", code, errOut)
	}
}
