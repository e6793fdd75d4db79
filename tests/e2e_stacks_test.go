//go:build e2e

package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// e2sTemplates are added to every e2s home, relative to tests/.
var e2sTemplates = []string{
	"testdata/templates/e2e-db.yml",
	"testdata/templates/e2e-api.yml",
	"testdata/e2e/e2s-web.yml",
	"testdata/e2e/e2s-gated.yml",
}

// e2s is one plan/apply scenario: a devarch home with its own daemon that
// drives the engine requireEngine prepared, with e2sTemplates added. When
// the test ends it stops the daemon, then removes the containers the test
// started itself and the compose project of every stack it created.
type e2s struct {
	*home
	t    *testing.T
	e    *drt.Engine
	root *e2s // the top-level test's e2s, which cleans up for its subtests

	mu     sync.Mutex
	stacks []string // created stacks
	extra  []string // containers the test ran itself
}

func newE2S(t *testing.T) *e2s {
	t.Helper()
	e := requireEngine(t)
	h := newHome(t)
	h.env = append(h.env, "DEVARCH_RUNTIME="+e.Kind())
	x := &e2s{home: h, t: t, e: e}
	x.root = x
	t.Cleanup(x.cleanup) // runs before newHome's cleanup
	for _, f := range e2sTemplates {
		x.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", f))
	}
	return x
}

func (x *e2s) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	x.home.run("daemon", "stop") // ends running jobs before their containers go
	if err := x.e.RemoveContainers(ctx, x.extra...); err != nil {
		x.t.Errorf("cleanup: %v", err)
	}
	for _, s := range x.stacks {
		if err := x.e.RemoveProject(ctx, core.ProjectName(s)); err != nil {
			x.t.Errorf("cleanup: %v", err)
		}
	}
}

// sub is x reporting to t, for use inside a subtest.
func (x *e2s) sub(t *testing.T) *e2s {
	h := *x.home
	h.t = t
	return &e2s{home: &h, t: t, e: x.e, root: x.root}
}

// ctx bounds one engine call.
func (x *e2s) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	x.t.Cleanup(cancel)
	return ctx
}

// stack creates stack e2s-NAME-XXXX (random XXXX, so concurrent runs do not
// collide) with instances given as INSTANCE=TEMPLATE.
func (x *e2s) stack(name string, instances ...string) string {
	x.t.Helper()
	return x.stackNamed("e2s", name, instances...)
}

// stackNamed is stack with another prefix than e2s, removed from the engine
// when the test ends like every stack of x.
func (x *e2s) stackNamed(prefix, name string, instances ...string) string {
	x.t.Helper()
	s := fmt.Sprintf("%s-%s-%04x", prefix, name, rand.IntN(0x10000))
	x.ok("stack", "create", s)
	x.root.mu.Lock()
	x.root.stacks = append(x.root.stacks, s)
	x.root.mu.Unlock()
	for _, in := range instances {
		inst, tpl, _ := strings.Cut(in, "=")
		x.ok("instance", "add", s, inst, "--template", tpl)
	}
	return s
}

// apply applies stack without asking and returns what it printed.
func (x *e2s) apply(stack string) string {
	x.t.Helper()
	return x.ok("apply", stack, "--auto-approve")
}

// applyAll applies the stacks at the same time.
func (x *e2s) applyAll(stacks ...string) {
	x.t.Helper()
	results := make([]result, len(stacks))
	var wg sync.WaitGroup
	for i, s := range stacks {
		wg.Go(func() { results[i] = x.home.run("apply", s, "--auto-approve") })
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			x.t.Fatalf("apply %s: %s", stacks[i], r)
		}
	}
}

// containers lists stack's containers as the engine labels them.
func (x *e2s) containers(stack string) []drt.Container {
	x.t.Helper()
	cs, err := x.e.Containers(x.ctx(), stack)
	if err != nil {
		x.t.Fatal(err)
	}
	return cs
}

// containerIDs maps stack's container names to their ids.
func (x *e2s) containerIDs(stack string) map[string]string {
	x.t.Helper()
	ids := map[string]string{}
	for _, c := range x.containers(stack) {
		ids[c.Name] = c.ID
	}
	return ids
}

// runContainer starts a container devarch does not manage (removed when
// the test ends): `run -d --name NAME ARGS...`.
func (x *e2s) runContainer(name string, args ...string) (string, error) {
	x.root.mu.Lock()
	x.root.extra = append(x.root.extra, name)
	x.root.mu.Unlock()
	return x.e.RunContainer(x.ctx(), name, args...)
}

// resolves reports whether NAME resolves inside container.
func (x *e2s) resolves(container, name string) bool {
	x.t.Helper()
	out, err := x.e.Exec(x.ctx(), container, "/testprog", "resolve", name)
	switch {
	case err == nil:
		return strings.TrimSpace(out) != ""
	case strings.Contains(err.Error(), "resolve:"):
		return false
	}
	x.t.Fatalf("resolve %s in %s: %v", name, container, err)
	return false
}

// networkExists reports whether network net exists, by starting a probe
// container on it; the probe is removed at once (it would keep the network
// from being removed).
func (x *e2s) networkExists(net string) bool {
	x.t.Helper()
	probe := "e2s-probe-" + net
	_, err := x.runContainer(probe, "--network", net, testImage)
	defer x.e.RemoveContainers(x.ctx(), probe)
	switch {
	case err == nil:
		return true
	case strings.Contains(err.Error(), "not found"):
		return false
	}
	x.t.Fatalf("probe network %s: %v", net, err)
	return false
}

// TestE2SStacksSideBySide runs two stacks made from the same templates at
// once: each gets its own containers devarch-{stack}-{instance}, labeled
// with its stack, instance, template and lineage, and its own network
// devarch-{stack}-net holding its containers and not the other's.
func TestE2SStacksSideBySide(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	stacks := []string{x.stack("side-a", "db=e2e-db", "api=e2e-api"), x.stack("side-b", "db=e2e-db", "api=e2e-api")}
	x.applyAll(stacks...)
	templates := map[string]string{"db": "e2e-db", "api": "e2e-api"}

	lineages := map[string]bool{}
	for _, s := range stacks {
		var st core.Stack
		x.json(&st, "stack", "show", s)
		if st.Lineage == "" || lineages[st.Lineage] {
			t.Errorf("stack %s: lineage %q is empty or shared with the other stack", s, st.Lineage)
		}
		lineages[st.Lineage] = true

		cs := x.containers(s)
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
			inst := c.Instance()
			want := map[string]string{
				core.LabelManaged: "true", core.LabelStack: s, core.LabelInstance: inst,
				core.LabelTemplate: templates[inst], core.LabelLineage: st.Lineage,
			}
			for k, v := range want {
				if c.Labels[k] != v {
					t.Errorf("container %s: label %s = %q, want %q", c.Name, k, c.Labels[k], v)
				}
			}
			if c.Name != core.ContainerName(s, inst) || c.State != "running" || c.Health != "healthy" {
				t.Errorf("container %s of instance %q is %s/%s; want %s running and healthy",
					c.Name, inst, c.State, c.Health, core.ContainerName(s, inst))
			}
		}
		wantNames := []string{core.ContainerName(s, "api"), core.ContainerName(s, "db")}
		if !slices.Equal(names, wantNames) {
			t.Errorf("stack %s: engine has containers %q, want %q", s, names, wantNames)
		}
		var ps []api.Container
		x.json(&ps, "ps", s)
		var psNames []string
		for _, c := range ps {
			psNames = append(psNames, c.Name)
		}
		if !slices.Equal(psNames, wantNames) {
			t.Errorf("ps %s lists %q, want %q", s, psNames, wantNames)
		}
	}

	// Each network devarch-{stack}-net exists and holds its stack's
	// containers only.
	for i, s := range stacks {
		other := stacks[1-i]
		net := core.NetworkName(s)
		probe := "e2s-probe-" + net
		if _, err := x.runContainer(probe, "--network", net, testImage); err != nil {
			t.Fatalf("network %s of stack %s: %v", net, s, err)
		}
		for _, inst := range []string{"db", "api"} {
			if !x.resolves(probe, core.ContainerName(s, inst)) {
				t.Errorf("on network %s, %s does not resolve", net, core.ContainerName(s, inst))
			}
			if x.resolves(probe, core.ContainerName(other, inst)) {
				t.Errorf("on network %s, %s of the other stack resolves", net, core.ContainerName(other, inst))
			}
		}
		if err := x.e.RemoveContainers(x.ctx(), probe); err != nil {
			t.Fatal(err)
		}
	}
}

// TestE2SStackIsolation checks from inside the stacks' own containers that
// a container resolves and reaches its own stack's containers and cannot
// resolve another stack's, although those run.
func TestE2SStackIsolation(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	a, b := x.stack("iso-a", "db=e2e-db", "api=e2e-api"), x.stack("iso-b", "db=e2e-db", "api=e2e-api")
	x.applyAll(a, b)
	for _, s := range []string{a, b} {
		if n := len(x.containers(s)); n != 2 {
			t.Fatalf("stack %s runs %d containers, want 2", s, n)
		}
	}
	name := core.ContainerName
	tests := []struct {
		from, name string
		want       bool
	}{
		{name(a, "api"), name(a, "db"), true},
		{name(a, "db"), name(a, "api"), true},
		{name(a, "api"), name(b, "db"), false},
		{name(a, "api"), name(b, "api"), false},
		{name(b, "api"), name(b, "db"), true},
		{name(b, "db"), name(a, "db"), false},
		{name(b, "db"), name(a, "api"), false},
	}
	for _, tc := range tests {
		if got := x.resolves(tc.from, tc.name); got != tc.want {
			t.Errorf("in %s, %s resolves = %v, want %v", tc.from, tc.name, got, tc.want)
		}
	}
	for _, s := range []string{a, b} {
		addr := name(s, "db") + ":5432"
		if _, err := x.e.Exec(x.ctx(), name(s, "api"), "/testprog", "dial", addr); err != nil {
			t.Errorf("%s cannot dial %s of its own stack: %v", name(s, "api"), addr, err)
		}
	}
}

// TestE2SWiredConsumerReachesProvider wires a consumer explicitly to one of
// two providers: the consumer gets the provider's env (host = its container
// name, its port, its secret password) and can connect to it.
func TestE2SWiredConsumerReachesProvider(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("wire", "db1=e2e-db", "db2=e2e-db", "api=e2e-api")
	passwords := map[string]string{}
	for _, db := range []string{"db1", "db2"} {
		passwords[db] = fmt.Sprintf("pw-%s-%08x", db, rand.Uint32())
		x.ok("instance", "set", s, db, "--secret-env", "POSTGRES_PASSWORD="+passwords[db])
	}

	// Two candidates and no wire: the plan refuses to pick one.
	r := x.fails(1, "plan", s)
	for _, want := range []string{"db1", "db2", "wire"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("plan with two providers should name %q:\n%s", want, r)
		}
	}

	x.ok("wire", s, "api.db", "db2")
	var p plan.View
	x.json(&p, "plan", s)
	want := core.ResolvedWire{Consumer: "api", Import: "db", Type: "postgres", Provider: "db2", Export: "db", Auto: false}
	if !slices.Contains(p.Wires, want) {
		t.Errorf("plan wires = %+v, want %+v among them", p.Wires, want)
	}
	x.apply(s)

	consumer, provider := core.ContainerName(s, "api"), core.ContainerName(s, "db2")
	out, err := x.e.Exec(x.ctx(), consumer, "/testprog", "env")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("env of %s: %v\n%s", consumer, err, out)
	}
	wantEnv := map[string]string{
		"DB_HOST":      provider,
		"DB_PORT":      "5432",
		"DATABASE_URL": fmt.Sprintf("postgres://app:%s@%s:5432/app", passwords["db2"], provider),
	}
	for k, v := range wantEnv {
		if env[k] != v {
			t.Errorf("consumer %s: %s = %q, want %q", consumer, k, env[k], v)
		}
	}
	if _, err := x.e.Exec(x.ctx(), consumer, "/testprog", "dial", env["DB_HOST"]+":"+env["DB_PORT"]); err != nil {
		t.Errorf("consumer %s cannot dial its provider at %s:%s: %v", consumer, env["DB_HOST"], env["DB_PORT"], err)
	}
}

// TestE2SForeignContainersUntouched starts containers named like the
// stack's without devarch labels: one named like an instance makes apply
// refuse (the plan warns), naming the instance; one named like no instance
// is left alone by apply and destroy.
func TestE2SForeignContainersUntouched(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("foreign", "db=e2s-web")
	clash, other := core.ContainerName(s, "db"), core.ContainerName(s, "x")
	ids := map[string]string{}
	for _, n := range []string{clash, other} {
		id, err := x.runContainer(n, testImage)
		if err != nil {
			t.Fatal(err)
		}
		ids[n] = id
	}
	untouched := func(when string, names ...string) {
		t.Helper()
		cs, err := x.e.ContainersNamed(x.ctx(), names)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(names) {
			t.Fatalf("%s: found %d of the foreign containers %q", when, len(cs), names)
		}
		for _, c := range cs {
			if c.ID != ids[c.Name] || c.State != "running" || c.Managed() {
				t.Errorf("%s: foreign container %s is %s (id %s, managed %v); want it running as started (id %s)",
					when, c.Name, c.State, c.ID, c.Managed(), ids[c.Name])
			}
		}
	}

	out := x.ok("plan", s)
	if w := "container " + clash + " exists without devarch labels; it will not be touched"; !strings.Contains(out, w) {
		t.Errorf("plan should warn %q:\n%s", w, out)
	}
	r := x.fails(1, "apply", s, "--auto-approve")
	if w := "instance db: a container named " + clash + " exists without devarch labels"; !strings.Contains(r.Stderr, w) {
		t.Errorf("apply should fail with %q:\n%s", w, r)
	}
	untouched("after the refused apply", clash, other)
	if cs := x.containers(s); len(cs) != 0 {
		t.Errorf("the refused apply left containers: %+v", cs)
	}
	if x.networkExists(core.NetworkName(s)) {
		t.Errorf("the refused apply created network %s", core.NetworkName(s))
	}

	if err := x.e.RemoveContainers(x.ctx(), clash); err != nil {
		t.Fatal(err)
	}
	x.apply(s)
	cs := x.containers(s)
	if len(cs) != 1 || cs[0].Name != clash || !cs[0].Managed() {
		t.Errorf("after apply the stack has %+v; want only its own %s", cs, clash)
	}
	untouched("after apply", other)
	x.ok("destroy", s, "--auto-approve")
	if cs := x.containers(s); len(cs) != 0 {
		t.Errorf("destroy left containers: %+v", cs)
	}
	untouched("after destroy", other)
}

// TestE2SDestroy removes a stack's containers and network: plain destroy
// keeps the definition (a new plan creates everything again), --purge
// removes it too.
func TestE2SDestroy(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	keep, purge := x.stack("keep", "db=e2s-web", "api=e2s-web"), x.stack("purge", "db=e2s-web", "api=e2s-web")
	x.applyAll(keep, purge)
	tests := []struct {
		stack string
		flags []string
		kept  bool
	}{
		{keep, nil, true},
		{purge, []string{"--purge"}, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(append([]string{"destroy"}, tc.flags...), " "), func(t *testing.T) {
			x := x.sub(t)
			net := core.NetworkName(tc.stack)
			if n := len(x.containers(tc.stack)); n != 2 || !x.networkExists(net) {
				t.Fatalf("before destroy: %d containers (want 2), network %s exists %v", n, net, x.networkExists(net))
			}
			out := x.ok(append([]string{"destroy", tc.stack, "--auto-approve"}, tc.flags...)...)
			if !strings.Contains(out, "Destroy complete: 2 deleted.") {
				t.Errorf("destroy output lacks the summary:\n%s", out)
			}
			if cs := x.containers(tc.stack); len(cs) != 0 {
				t.Errorf("destroy left containers: %+v", cs)
			}
			if x.networkExists(net) {
				t.Errorf("destroy left network %s", net)
			}
			var stacks []api.StackSummary
			x.json(&stacks, "stack", "ls")
			listed := slices.ContainsFunc(stacks, func(st api.StackSummary) bool { return st.Name == tc.stack })
			if listed != tc.kept {
				t.Errorf("after destroy, stack %s listed = %v, want %v", tc.stack, listed, tc.kept)
			}
			if !tc.kept {
				x.fails(1, "stack", "show", tc.stack)
				return
			}
			var st core.Stack
			x.json(&st, "stack", "show", tc.stack)
			if len(st.Instances) != 2 {
				t.Errorf("the kept definition has %d instances, want 2", len(st.Instances))
			}
			var p plan.View
			x.json(&p, "plan", tc.stack)
			if p.Summary.Create != 2 || p.Network != plan.Create {
				t.Errorf("plan after destroy: %+v, network %q; want 2 to create and the network", p.Summary, p.Network)
			}
		})
	}
}
