//go:build e2e

package tests

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// e2eSwarm is the local engine's swarm, which must be an active manager
// (scripts/engine-setup.sh initialises a single-node one); without it the
// test is skipped, or fails under CI=true.
func e2eSwarm(t *testing.T) *drt.Swarm {
	t.Helper()
	sw, err := drt.NewSwarm(drt.Spec{Kind: drt.KindSwarm})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sw.CheckManager(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no swarm: %v", err)
		}
		t.Skipf("no swarm: %v", err)
	}
	return sw
}

// swarmTasks maps each instance of stack to its running tasks' ids.
func swarmTasks(t *testing.T, sw *drt.Swarm, stack string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := sw.Containers(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		if c.State == "running" {
			out[c.Instance()] += c.ID + " "
		}
	}
	return out
}

// TestE2ESwarmThroughCLI runs a stack on the swarm with --runtime swarm:
// deploy, an update of one instance (the other's tasks untouched), an
// update whose healthcheck fails (swarm rolls it back, the job names the
// instance and ends rolled back), and a destroy that leaves nothing.
func TestE2ESwarmThroughCLI(t *testing.T) {
	sw := e2eSwarm(t)
	x := newE2S(t)
	x.env = append(x.env, "DEVARCH_RUNTIME=swarm")
	s := x.stack("swarm", "web=e2s-web", "api=e2s-web")
	project := core.ProjectName(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := sw.Down(ctx, project, nil, true, nil); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	if out := x.apply(s); !strings.Contains(out, "Apply complete: 2 created") {
		t.Fatalf("first apply on the swarm:\n%s", out)
	}
	var view api.StackView
	x.json(&view, "stack", "show", s)
	if view.RuntimeKind != drt.KindSwarm {
		t.Errorf("stack %s is bound to %q; want swarm", s, view.RuntimeKind)
	}
	before := swarmTasks(t, sw, s)
	if before["web"] == "" || before["api"] == "" {
		t.Fatalf("after the deploy the swarm runs %v; want web and api", before)
	}
	if ps := x.ok("ps", s); !strings.Contains(ps, "web") || !strings.Contains(ps, "api") {
		t.Errorf("ps of the swarm stack:\n%s", ps)
	}
	x.ok("plan", s, "--detailed-exitcode") // no drift right after a deploy

	x.ok("instance", "set", s, "web", "--env", "MARKER=v2")
	if out := x.apply(s); !strings.Contains(out, "Apply complete: 0 created, 1 updated") {
		t.Fatalf("update of web:\n%s", out)
	}
	after := swarmTasks(t, sw, s)
	if after["web"] == before["web"] || after["web"] == "" {
		t.Errorf("web's tasks were not replaced: %q → %q", before["web"], after["web"])
	}
	if after["api"] != before["api"] {
		t.Errorf("api's tasks changed with an update of web: %q → %q", before["api"], after["api"])
	}

	x.ok("instance", "set", s, "web", "--env", "MARKER=v3",
		"--healthcheck-exec", "/testprog health http://127.0.0.1:1/health", "--healthcheck-interval", "1s", "--healthcheck-retries", "2")
	r := x.fails(1, "apply", s, "--auto-approve")
	for _, want := range []string{"instance web", "rolled back"} {
		if !strings.Contains(r.Stderr+r.Stdout, want) {
			t.Errorf("the failing update should say %q:\n%s", want, r)
		}
	}
	if j := x.lastJob(s); j.State != api.JobRolledBack || j.Instance != "web" {
		t.Errorf("job %s: state %s, instance %q; want rolled_back, web", j.ID, j.State, j.Instance)
	}
	rolled := swarmTasks(t, sw, s)
	if rolled["web"] == "" || rolled["api"] != before["api"] {
		t.Errorf("after the rollback the swarm runs %v; want web running and api's tasks %q untouched", rolled, before["api"])
	}
	x.fails(2, "plan", s, "--detailed-exitcode") // the failed change is still pending

	x.ok("destroy", s, "--auto-approve")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, what := range [][]string{
		{"service", "ls", "-q", "--filter", "label=com.docker.stack.namespace=" + project},
		{"ps", "-aq", "--filter", "label=com.docker.stack.namespace=" + project},
		{"network", "ls", "-q", "--filter", "label=com.docker.stack.namespace=" + project},
	} {
		out, _, err := x.e.CLI(ctx, nil, what...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != "" {
			t.Errorf("after destroy, docker %s lists %q; want nothing", strings.Join(what, " "), out)
		}
	}
}
