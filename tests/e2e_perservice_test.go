//go:build e2e

package tests

import (
	"context"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestE2SPerServiceMode switches a running stack to per-service mode (a
// planned change: each container recreated once, in its own project),
// then makes one instance fail: it alone is rolled back, the other runs
// on untouched, and destroy removes every project and the network.
func TestE2SPerServiceMode(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("persvc", "web=e2s-web", "api=e2s-web")
	x.apply(s)
	web, apiName := core.ContainerName(s, "web"), core.ContainerName(s, "api")
	t.Cleanup(func() { // the instance projects, should the test stop before destroy
		for _, p := range []string{web, apiName} {
			if err := x.e.RemoveProject(context.Background(), p); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	x.ok("stack", "set", s, "--compose-mode", "per-service")
	var p plan.View
	x.json(&p, "plan", s, "--json")
	if len(p.Changes) != 2 {
		t.Fatalf("switching modes planned %+v; want both instances updated", p.Changes)
	}
	x.apply(s)
	byName := map[string]string{}
	for _, c := range x.containers(s) {
		if c.State != "running" {
			t.Errorf("after the switch %s is %s", c.Name, c.State)
		}
		byName[c.Name] = c.Labels["com.docker.compose.project"]
	}
	if byName[web] != web || byName[apiName] != apiName {
		t.Fatalf("after the switch the projects are %v; want each container in its own project", byName)
	}
	if !x.networkExists(core.NetworkName(s)) {
		t.Fatalf("network %s is missing in per-service mode", core.NetworkName(s))
	}
	x.ok("plan", s, "--detailed-exitcode")

	before := x.containerIDs(s)
	x.ok("instance", "set", s, "api", "--env", "MARKER=v2",
		"--healthcheck-exec", "/testprog health http://127.0.0.1:1/health", "--healthcheck-interval", "1s", "--healthcheck-retries", "2")
	r := x.fails(1, "apply", s, "--auto-approve")
	if !strings.Contains(r.Stderr+r.Stdout, "instance api") {
		t.Errorf("the failed apply should name instance api:\n%s", r)
	}
	if j := x.lastJob(s); j.State != api.JobRolledBack || j.Instance != "api" {
		t.Errorf("job %s: state %s, instance %q; want rolled_back, api", j.ID, j.State, j.Instance)
	}
	after := x.containerIDs(s)
	if after[web] != before[web] {
		t.Errorf("web was touched by api's failed apply: %s → %s", before[web], after[web])
	}
	for _, c := range x.containers(s) {
		if c.State != "running" || c.Health == "unhealthy" {
			t.Errorf("after the rollback %s is %s (%s); want every container running", c.Name, c.State, c.Health)
		}
	}
	var again plan.View
	x.json(&again, "plan", s, "--json")
	if len(again.Changes) != 1 || again.Changes[0].Instance != "api" {
		t.Errorf("after the rolled back apply, plan = %+v; want api's change pending", again.Changes)
	}

	x.ok("destroy", s, "--auto-approve")
	if cs := x.containers(s); len(cs) != 0 {
		t.Errorf("after destroy the stack runs %+v", cs)
	}
	if x.networkExists(core.NetworkName(s)) {
		t.Errorf("network %s is left after destroy", core.NetworkName(s))
	}
}
