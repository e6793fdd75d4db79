//go:build e2e

package tests

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core/plan"
)

// TestE2EStopIsIntended: a stopped instance is not drift, an apply of
// another change leaves it stopped (compose never starts it), start ends
// the stop, and apply --start starts it as well.
func TestE2EStopIsIntended(t *testing.T) {
	x := newE2S(t)
	s := x.stack("stopint", "db=e2e-db", "api=e2e-api")
	x.apply(s)
	apiCtr := "devarch-" + s + "-api"
	state := func(name string) string {
		for _, c := range x.containers(s) {
			if c.Name == name {
				return c.State
			}
		}
		return "missing"
	}

	x.ok("stop", s, "api")
	if st := state(apiCtr); st != "exited" {
		t.Fatalf("after stop: api %s", st)
	}
	out := x.ok("plan", s)
	if !strings.Contains(out, "No changes.") || !strings.Contains(out, "Stopped: api") {
		t.Fatalf("plan after stop:\n%s", out)
	}
	var v plan.View
	x.json(&v, "plan", s, "--json")
	if !v.Empty() || len(v.Stopped) != 1 || v.Stopped[0] != "api" {
		t.Fatalf("plan --json after stop: changes %+v stopped %v", v.Changes, v.Stopped)
	}

	// A change of both: db is updated and runs, api is recreated stopped.
	x.ok("instance", "set", s, "db", "--env", "STOP_TEST=1")
	x.ok("instance", "set", s, "api", "--env", "STOP_TEST=1")
	x.apply(s)
	if st := state(apiCtr); st == "running" {
		t.Fatalf("apply started the stopped api")
	}
	if st := state("devarch-" + s + "-db"); st != "running" {
		t.Fatalf("after apply: db %s", st)
	}
	if out := x.ok("plan", s); !strings.Contains(out, "No changes.") {
		t.Fatalf("plan after the apply:\n%s", out)
	}

	x.ok("start", s, "api")
	if st := state(apiCtr); st != "running" {
		t.Fatalf("after start: api %s", st)
	}
	if out := x.ok("plan", s); !strings.Contains(out, "No changes.") || strings.Contains(out, "Stopped:") {
		t.Fatalf("plan after start:\n%s", out)
	}

	x.ok("stop", s, "api")
	if out := x.ok("apply", s, "--auto-approve", "--start"); !strings.Contains(out, "Starts: api") {
		t.Fatalf("apply --start:\n%s", out)
	}
	if st := state(apiCtr); st != "running" {
		t.Fatalf("after apply --start: api %s", st)
	}
	if out := x.ok("plan", s); !strings.Contains(out, "No changes.") || strings.Contains(out, "Stopped:") {
		t.Fatalf("plan after apply --start:\n%s", out)
	}
}
