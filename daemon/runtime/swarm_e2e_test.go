//go:build e2e

package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
)

// e2eSwarm returns the swarm runtime of the local engine, which must be an
// active swarm manager (scripts/engine-setup.sh initialises one). Without
// one the test is skipped, or fails under CI=true.
func e2eSwarm(t *testing.T) *Swarm {
	t.Helper()
	s, err := NewSwarm(Spec{Kind: KindSwarm})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.CheckManager(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no swarm: %v", err)
		}
		t.Skipf("no swarm: %v", err)
	}
	s.Wait = 2 * time.Minute
	t.Logf("runtime: %s", s.Name())
	return s
}

// swarmStack renders stack with api (2 replicas, healthcheck probing
// healthURL) and db (no healthcheck, dbPorts to listen on) running image.
func swarmStack(t *testing.T, stack, image, healthURL, dbPorts string) []byte {
	t.Helper()
	two := 2
	tpl := core.Template{Name: "prog", Image: image}
	st := core.Stack{Name: stack, Lineage: "lin-" + stack, Instances: []core.Instance{
		{Name: "api", Template: "prog", Enabled: true, Overrides: core.Overrides{
			Replicas: &two,
			Healthcheck: &core.Healthcheck{Test: []string{"CMD", "/testprog", "health", healthURL},
				Interval: core.Duration(time.Second), Timeout: core.Duration(time.Second), Retries: 2},
		}},
		{Name: "db", Template: "prog", Enabled: true, Overrides: core.Overrides{
			Env: map[string]core.EnvVar{"LISTEN_PORTS": {Value: dbPorts}},
		}},
	}}
	d, err := core.Build(st, map[string]core.Template{"prog": tpl})
	if err != nil {
		t.Fatal(err)
	}
	out, err := compose.GenerateSwarm(d, compose.SwarmOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// taskIDs maps each instance to its running tasks' ids, joined.
func taskIDs(cs []Container) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		if c.State == "running" {
			out[c.Instance()] += c.ID + " "
		}
	}
	return out
}

func TestSwarmDeployUpdateRollbackRemove(t *testing.T) {
	s := e2eSwarm(t)
	const image = "devarch-testprog:e2e-swarm"
	testImage(t, s.e, image)
	stack := fmt.Sprintf("sw%d", time.Now().UnixNano()%1e6)
	proj := core.ProjectName(stack)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := s.Down(ctx, proj, nil, true, nil); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	const goodHealth = "http://127.0.0.1:8080/health"

	// Deploy two services; Up returns once both run all their replicas.
	start := time.Now()
	var progress []string
	if err := s.Up(ctx, proj, swarmStack(t, stack, image, goodHealth, "5432"), "", func(l string) { progress = append(progress, l) }); err != nil {
		t.Fatalf("deploy: %v\nprogress:\n%s", err, strings.Join(progress, "\n"))
	}
	t.Logf("deployed in %s", time.Since(start).Round(time.Millisecond))
	cs, err := s.Containers(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range cs {
		if c.State != "running" || !c.Managed() {
			t.Errorf("task %+v: want running and managed", c)
		}
		count[c.Instance()]++
		if c.Instance() == "api" && c.Health != "healthy" {
			t.Errorf("api task health %q, want healthy", c.Health)
		}
		if c.Instance() == "db" && c.Health != "" {
			t.Errorf("db has no healthcheck but health %q", c.Health)
		}
	}
	if count["api"] != 2 || count["db"] != 1 {
		t.Fatalf("running tasks per instance = %v, want api 2, db 1: %+v", count, cs)
	}
	first := taskIDs(cs)

	var lines []string
	if err := s.Logs(ctx, proj, []string{core.ContainerName(stack, "db")}, LogsOptions{Tail: 20}, func(inst, l string) {
		if inst != "db" {
			t.Errorf("log line attributed to %q, want db", inst)
		}
		lines = append(lines, l)
	}); err != nil || !strings.Contains(strings.Join(lines, "\n"), "5432") {
		t.Errorf("db logs = %q, %v; want its listening line", lines, err)
	}

	// Update db alone: its task is replaced, api's are untouched.
	if err := s.Up(ctx, proj, swarmStack(t, stack, image, goodHealth, "5432,5433"), "", nil); err != nil {
		t.Fatalf("update db: %v", err)
	}
	cs, err = s.Containers(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	second := taskIDs(cs)
	if second["api"] != first["api"] {
		t.Errorf("api tasks changed by a db-only update: %q -> %q", first["api"], second["api"])
	}
	if second["db"] == first["db"] || second["db"] == "" {
		t.Errorf("db task not replaced by its update: %q -> %q", first["db"], second["db"])
	}

	// A healthcheck that fails: swarm rolls api back and the wait says so,
	// naming the instance; the previous tasks' spec runs again.
	err = s.Up(ctx, proj, swarmStack(t, stack, image, "http://127.0.0.1:9/none", "5432,5433"), "", nil)
	var ce *ComposeError
	if !errors.As(err, &ce) || ce.Instance != "api" {
		t.Fatalf("deploy with a failing healthcheck = %v, want a *ComposeError on instance api", err)
	}
	t.Logf("failing healthcheck: %v", err)
	if !strings.Contains(ce.Reason, "rolled") && !strings.Contains(ce.Reason, "failed") {
		t.Errorf("reason %q says neither that the update failed nor that it was rolled back", ce.Reason)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		cs, err = s.Containers(ctx, stack)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range cs {
			if c.Instance() == "api" && c.State == "running" {
				n++
			}
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("api after rollback: %+v; want 2 running tasks", cs)
		}
		time.Sleep(time.Second)
	}

	// Remove: nothing of the stack is left.
	if err := s.Down(ctx, proj, nil, true, nil); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if cs, err := s.Containers(ctx, stack); err != nil || len(cs) != 0 {
		t.Errorf("after remove: %+v, %v; want nothing", cs, err)
	}
	filter := "label=" + stackLabel + "=" + proj
	for _, q := range [][]string{{"service", "ls", "-q", "--filter", filter}, {"network", "ls", "-q", "--filter", filter}, {"ps", "-a", "-q", "--filter", filter}} {
		if out, err := s.e.output(ctx, s.e.cliCmd(ctx, q...), nil); err != nil || strings.TrimSpace(out) != "" {
			t.Errorf("%s after remove: %q, %v; want none", strings.Join(q[:2], " "), out, err)
		}
	}
}

func TestSwarmAcceptsGeneratedGolden(t *testing.T) {
	s := e2eSwarm(t)
	data, err := os.ReadFile("../../core/compose/testdata/shop.swarm.yml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.e.output(ctx, s.e.cliCmd(ctx, "stack", "config", "-c", "-"), data); err != nil {
		t.Fatalf("docker stack config refuses the generated file: %v", err)
	}
}
