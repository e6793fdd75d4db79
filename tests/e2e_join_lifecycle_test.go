//go:build e2e

package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// e2jRemoveFirst removes the projects of stacks (joiners) when the test
// ends, before x removes every stack's project: a joined stack's network
// cannot go while a joiner's containers are on it.
func e2jRemoveFirst(x *e2s, stacks ...string) {
	x.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, s := range stacks {
			if err := x.e.RemoveProject(ctx, core.ProjectName(s)); err != nil {
				x.t.Errorf("cleanup: %v", err)
			}
		}
	})
}

// addrs is what NAME resolves to inside container, sorted.
func (x *e2s) addrs(container, name string) []string {
	x.t.Helper()
	out, err := x.e.Exec(x.ctx(), container, "/testprog", "resolve", name)
	if err != nil {
		x.t.Fatalf("resolve %s in %s: %v", name, container, err)
	}
	a := strings.Fields(out)
	slices.Sort(a)
	return a
}

// TestE2JSharedNameNotHijacked: compose makes a service's name a DNS alias
// on every network the service joins, so a stack joining another's network
// with an instance of the same name would answer the other stack's
// containers asking for that name. devarch refuses the shared name (at
// stack set --join and at instance add, naming both stacks, the instance
// and the rule), so after a stack joins, the joined stack's containers
// still resolve db to their own db only.
func TestE2JSharedNameNotHijacked(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	a := x.stackNamed("e2j", "a", "db=e2s-web", "web=e2s-web")
	c := x.stackNamed("e2j", "c", "db=e2s-web")
	d := x.stackNamed("e2j", "d")
	e2jRemoveFirst(x, c, d)
	x.applyAll(a, c)
	web, aDB := core.ContainerName(a, "web"), core.ContainerName(a, "db")
	own := x.addrs(web, aDB)
	if len(own) != 1 {
		t.Fatalf("%s resolves %s to %q; want one address", web, aDB, own)
	}

	// c has a db too: joining a's network is refused, and nothing changes.
	r := x.fails(1, "stack", "set", c, "--join", a)
	for _, want := range []string{`instance "db"`, `stack "` + c + `"`, `stack "` + a + `"`, core.NetworkName(a),
		"instance names must be unique among stacks that share a network", "--no-join"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stack set --join: stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	var st core.Stack
	x.json(&st, "stack", "show", c)
	if len(st.JoinNetworks) != 0 {
		t.Errorf("the refused join was stored: %v", st.JoinNetworks)
	}

	// d joins a's network: it may not get a db, but another name is fine.
	x.ok("stack", "set", d, "--join", a)
	r = x.fails(1, "instance", "add", d, "db", "--template", "e2s-web")
	if !strings.Contains(r.Stderr, `instance "db"`) || !strings.Contains(r.Stderr, `stack "`+a+`"`) {
		t.Errorf("instance add db in the joiner:\n%s", r.Stderr)
	}
	x.ok("instance", "add", d, "cache", "--template", "e2s-web")
	x.apply(d)

	if got := x.addrs(web, "db"); !slices.Equal(got, own) {
		t.Errorf("after %s joined its network, %s resolves db to %q; want only %s's db %q", d, web, got, a, own)
	}
	if got := x.addrs(core.ContainerName(a, "db"), "db"); !slices.Equal(got, own) {
		t.Errorf("%s resolves db to %q; want %q", aDB, got, own)
	}
	// The join itself works: a's containers reach d's on a's network.
	if !x.resolves(web, core.ContainerName(d, "cache")) {
		t.Errorf("%s does not resolve %s after %s joined its network", web, core.ContainerName(d, "cache"), d)
	}
	if r := x.run("plan", a, "--detailed-exitcode"); r.Code != 0 {
		t.Errorf("the joined stack must be left as it was: %s", r)
	}
}

// TestE2JJoinLifecycle: a stack joins only an existing stack; a joined
// stack cannot be destroyed while a joiner is applied (compose down would
// leave its network behind and still report success), nor removed while a
// stack joins it; once the joiner leaves, the destroy removes the network.
func TestE2JJoinLifecycle(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	ghost := fmt.Sprintf("e2j-ghost-%04x", rand.IntN(0x10000))
	r := x.fails(1, "stack", "create", fmt.Sprintf("e2j-new-%04x", rand.IntN(0x10000)), "--join", ghost)
	if !strings.Contains(r.Stderr, `stack "`+ghost+`" does not exist`) {
		t.Errorf("stack create --join %s:\n%s", ghost, r.Stderr)
	}
	a := x.stackNamed("e2j", "a", "web=e2s-web")
	c := x.stackNamed("e2j", "c", "app=e2s-web")
	e2jRemoveFirst(x, c)
	r = x.fails(1, "stack", "set", c, "--join", ghost)
	if !strings.Contains(r.Stderr, `stack "`+ghost+`" does not exist`) {
		t.Errorf("stack set --join %s:\n%s", ghost, r.Stderr)
	}
	x.apply(a)
	x.ok("stack", "set", c, "--join", a)
	x.apply(c)

	net := core.NetworkName(a)
	checkRefused := func(what string, r result) {
		t.Helper()
		for _, want := range []string{`cannot destroy stack "` + a + `"`, `stack "` + c + `" joins its network ` + net,
			"stack set " + c + " --no-join", "destroy " + c} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", what, want, r)
			}
		}
	}
	checkRefused("plan --destroy", x.fails(1, "plan", a, "--destroy"))
	checkRefused("destroy", x.fails(1, "destroy", a, "--auto-approve"))
	checkRefused("destroy --purge", x.fails(1, "destroy", a, "--purge", "--auto-approve"))
	if n := len(x.containers(a)); n != 1 || !x.networkExists(net) {
		t.Errorf("after the refused destroys: %d containers of %s (want 1), network %s exists %v", n, a, net, x.networkExists(net))
	}

	// A stack joined by a definition only cannot be removed either.
	b := x.stackNamed("e2j", "b")
	x.ok("stack", "set", c, "--join", a, "--join", b)
	r = x.fails(1, "stack", "rm", b)
	if !strings.Contains(r.Stderr, `cannot remove stack "`+b+`": stack "`+c+`" joins its network`) {
		t.Errorf("stack rm of a joined stack:\n%s", r)
	}
	x.ok("stack", "set", c, "--join", a)
	x.ok("stack", "rm", b)

	// Once c has left a's network (and is applied so), a goes, network and all.
	x.ok("stack", "set", c, "--no-join")
	x.apply(c)
	if out := x.ok("destroy", a, "--auto-approve"); !strings.Contains(out, "Destroy complete: 1 deleted.") {
		t.Errorf("destroy once nothing joins:\n%s", out)
	}
	if x.networkExists(net) {
		t.Errorf("destroy left network %s", net)
	}
	x.ok("stack", "rm", a)
}

// TestE2JDestroyVolumes: a plain destroy keeps the stack's named volume
// (its data) and says so; destroy --purge removes it with the definition,
// so a new stack of the same name starts empty.
func TestE2JDestroyVolumes(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	keep := x.stackNamed("e2j", "keep", "db=e2s-web")
	purge := x.stackNamed("e2j", "purge", "db=e2s-web")
	for _, s := range []string{keep, purge} {
		x.ok("instance", "set", s, "db", "--volume", "data:/data")
	}
	x.applyAll(keep, purge)
	volumes := func(s string) []string {
		t.Helper()
		v, err := x.e.Volumes(x.ctx(), core.ProjectName(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	keepVol, purgeVol := core.ProjectName(keep)+"_data", core.ProjectName(purge)+"_data"
	if !slices.Equal(volumes(keep), []string{keepVol}) || !slices.Equal(volumes(purge), []string{purgeVol}) {
		t.Fatalf("volumes after apply: %q, %q; want %s and %s", volumes(keep), volumes(purge), keepVol, purgeVol)
	}

	out := x.ok("destroy", keep, "--auto-approve")
	if !strings.Contains(out, "Destroy complete: 1 deleted. Volumes kept: "+keepVol) {
		t.Errorf("plain destroy should say the volume is kept:\n%s", out)
	}
	if got := volumes(keep); !slices.Equal(got, []string{keepVol}) {
		t.Errorf("plain destroy removed the volume: %q", got)
	}

	out = x.ok("destroy", purge, "--purge", "--auto-approve")
	if want := fmt.Sprintf("Destroy complete: 1 deleted. Stack %q removed, with its volumes %s.", purge, purgeVol); !strings.Contains(out, want) {
		t.Errorf("destroy --purge output lacks %q:\n%s", want, out)
	}
	if got := volumes(purge); len(got) != 0 {
		t.Errorf("destroy --purge left volumes %q", got)
	}
	x.fails(1, "stack", "show", purge)

	// The stack destroyed first keeps its data until purged.
	out = x.ok("destroy", keep, "--purge", "--auto-approve")
	if !strings.Contains(out, "removed, with its volumes "+keepVol) {
		t.Errorf("destroy --purge after a destroy:\n%s", out)
	}
	if got := volumes(keep); len(got) != 0 {
		t.Errorf("destroy --purge after a destroy left volumes %q", got)
	}
}

// TestE2JReadsBoundRuntime: a stack applied with --runtime podman is read
// on Podman by ps and logs without --runtime (the daemon would detect
// Docker first); naming Docker is refused as a plan is.
func TestE2JReadsBoundRuntime(t *testing.T) {
	t.Parallel()
	e := requirePodman(t)
	h := newHome(t)
	h.env = slices.DeleteFunc(h.env, func(kv string) bool { return strings.HasPrefix(kv, "DEVARCH_RUNTIME=") })
	h.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "e2e", "e2s-web.yml"))
	stack := fmt.Sprintf("e2j-pod-%04x", rand.IntN(0x10000))
	h.ok("stack", "create", stack)
	h.ok("instance", "add", stack, "web", "--template", "e2s-web")
	e2rCleanupProject(t, e, h, stack)
	h.ok("apply", stack, "--runtime", "podman", "--auto-approve")

	var ps []api.Container
	h.json(&ps, "ps", stack)
	if len(ps) != 1 || ps[0].Name != core.ContainerName(stack, "web") || ps[0].State != "running" {
		t.Errorf("ps without --runtime = %+v; want the podman container running", ps)
	}
	if out := h.ok("ps", stack); !strings.Contains(out, core.ContainerName(stack, "web")) {
		t.Errorf("ps without --runtime does not list the container:\n%s", out)
	}
	if r := h.run("logs", stack, "--tail", "5"); r.Code != 0 {
		t.Errorf("logs without --runtime: %s", r)
	}
	for _, args := range [][]string{{"ps", stack}, {"logs", stack}} {
		r := h.fails(1, append(args, "--runtime", "docker")...)
		if !strings.Contains(r.Stderr, "was applied with runtime podman, not docker") {
			t.Errorf("%s --runtime docker:\n%s", args[0], r)
		}
	}
	h.ok("destroy", stack, "--runtime", "podman", "--auto-approve")
}
