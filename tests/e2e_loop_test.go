//go:build e2e

package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// TestE2ELoopVerbs runs the everyday verbs against an applied stack: exec
// and run pass the command's output and exit code through, run leaves no
// container behind, port lists what the instance publishes, stop, start and
// restart act on the labeled container only, and every error names the
// stack and the instance.
func TestE2ELoopVerbs(t *testing.T) {
	x := newE2S(t)
	s := x.stack("loop", "db=e2e-db")
	port := e2sFreePort(t)
	x.ok("instance", "set", s, "db", "--port", fmt.Sprintf("127.0.0.1:%d:8080", port))
	x.apply(s)
	ctr := "devarch-" + s + "-db"

	t.Run("exec", func(t *testing.T) {
		x := x.sub(t)
		env := map[string]string{}
		out := x.ok("exec", "-e", "LOOP_VAR=hello", s, "db", "--", "/testprog", "env")
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatalf("exec output: %v\n%s", err, out)
		}
		if env["LOOP_VAR"] != "hello" || env["POSTGRES_USER"] != "app" {
			t.Errorf("exec env: LOOP_VAR=%q POSTGRES_USER=%q; want hello and app", env["LOOP_VAR"], env["POSTGRES_USER"])
		}
		if r := x.run("exec", s, "db", "/testprog", "nosuch"); r.Code != 2 || !strings.Contains(r.Stderr, "unknown command") {
			t.Errorf("exec of a command exiting 2: %s", r)
		}
		r := x.run("exec", s, "nosuch", "/testprog", "env")
		if r.Code != 1 || !strings.Contains(r.Stderr, `"nosuch"`) || !strings.Contains(r.Stderr, s) {
			t.Errorf("exec in an unknown instance should name it and the stack: %s", r)
		}
	})

	t.Run("run", func(t *testing.T) {
		x := x.sub(t)
		env := map[string]string{}
		// The image's entrypoint is /testprog: run's COMMAND replaces its
		// command, as compose run does.
		out := x.ok("run", s, "db", "env")
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatalf("run output: %v\n%s", err, out)
		}
		if env["POSTGRES_DB"] != "app" || env["POSTGRES_PASSWORD"] != "e2e-default-password" {
			t.Errorf("run env: POSTGRES_DB=%q, password set=%v; want the instance's effective env", env["POSTGRES_DB"], env["POSTGRES_PASSWORD"] != "")
		}
		if r := x.run("run", s, "db", "nosuch"); r.Code != 2 {
			t.Errorf("run of a command exiting 2: %s", r)
		}
		if cs := x.containers(s); len(cs) != 1 || cs[0].Name != ctr {
			t.Errorf("after run: containers %+v; want only %s", cs, ctr)
		}
	})

	t.Run("port", func(t *testing.T) {
		x := x.sub(t)
		want := fmt.Sprintf("8080/tcp -> 127.0.0.1:%d", port)
		if out := x.ok("port", s, "db"); strings.TrimSpace(out) != want {
			t.Errorf("port: %q, want %q", out, want)
		}
		if out := x.ok("port", s, "db", "8080"); strings.TrimSpace(out) != fmt.Sprintf("127.0.0.1:%d", port) {
			t.Errorf("port 8080: %q", out)
		}
		var ps []api.PortBinding
		x.json(&ps, "port", s, "db")
		if len(ps) != 1 || ps[0].HostPort != fmt.Sprint(port) || ps[0].Private != "8080/tcp" {
			t.Errorf("port --json: %+v", ps)
		}
		if r := x.run("port", s, "db", "9999"); r.Code != 1 || !strings.Contains(r.Stderr, "9999/tcp") {
			t.Errorf("port of an unpublished port: %s", r)
		}
	})

	t.Run("stop start restart", func(t *testing.T) {
		x := x.sub(t)
		state := func() string {
			cs := x.containers(s)
			if len(cs) != 1 {
				t.Fatalf("containers %+v; want one", cs)
			}
			return cs[0].State
		}
		if out := x.ok("stop", s, "db"); !strings.Contains(out, "Stopped "+ctr) {
			t.Errorf("stop: %q", out)
		}
		if st := state(); st != "exited" {
			t.Errorf("after stop: state %q, want exited", st)
		}
		r := x.run("exec", s, "db", "/testprog", "env")
		if r.Code != 1 || !strings.Contains(r.Stderr, "not running") || !strings.Contains(r.Stderr, s) {
			t.Errorf("exec in a stopped instance: %s", r)
		}
		var res api.ControlResult
		x.json(&res, "start", s)
		if len(res.Containers) != 1 || res.Containers[0].Instance != "db" || res.Action != "start" {
			t.Errorf("start --json: %+v", res)
		}
		if st := state(); st != "running" {
			t.Errorf("after start: state %q, want running", st)
		}
		if out := x.ok("restart", s, "db"); !strings.Contains(out, "Restarted "+ctr) {
			t.Errorf("restart: %q", out)
		}
		r = x.run("stop", s, "nosuch")
		if r.Code != 1 || !strings.Contains(r.Stderr, `instance "nosuch"`) || !strings.Contains(r.Stderr, s) {
			t.Errorf("stop of an unknown instance: %s", r)
		}
	})

	t.Run("stack copy", func(t *testing.T) {
		x := x.sub(t)
		cp := s + "-cp"
		x.root.mu.Lock()
		x.root.stacks = append(x.root.stacks, cp)
		x.root.mu.Unlock()
		if r := x.run("stack", "copy", s, cp, "--port-offset", "70000"); r.Code != 1 || !strings.Contains(r.Stderr, "instances.db.ports") {
			t.Errorf("copy with an offset out of range: %s", r)
		}
		x.ok("stack", "copy", s, cp, "--port-offset", "1")
		var v api.InstanceView
		x.json(&v, "instance", "show", cp, "db", "--effective")
		if v.Effective == nil || len(v.Effective.Ports) != 1 || v.Effective.Ports[0].Host != port+1 {
			t.Fatalf("copied instance's ports: %+v", v.Effective)
		}
		x.apply(cp)
		env := map[string]string{}
		if err := json.Unmarshal([]byte(x.ok("exec", cp, "db", "/testprog", "env")), &env); err != nil {
			t.Fatal(err)
		}
		if env["POSTGRES_PASSWORD"] != "e2e-default-password" {
			t.Errorf("the copy's secret was not carried over")
		}
		if r := x.run("stack", "copy", s, cp); r.Code != 1 || !strings.Contains(r.Stderr, "already exists") {
			t.Errorf("copy onto an existing stack: %s", r)
		}
	})
}

// TestE2EPodmanLoopVerbs runs exec, run, port, stop and start on Podman:
// the CLI runs podman's exec and compose run itself, from the target the
// daemon resolved.
func TestE2EPodmanLoopVerbs(t *testing.T) {
	e := requirePodman(t)
	h := newHome(t)
	h.env = append(h.env, "DEVARCH_RUNTIME=podman")
	stack := fmt.Sprintf("e2ploop-%04x", rand.IntN(0x10000))
	h.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "templates", "e2e-db.yml"))
	h.ok("stack", "create", stack)
	h.ok("instance", "add", stack, "db", "--template", "e2e-db")
	port := e2sFreePort(t)
	h.ok("instance", "set", stack, "db", "--port", fmt.Sprintf("127.0.0.1:%d:8080", port))
	e2rCleanupProject(t, e, h, stack)
	h.ok("apply", stack, "--auto-approve")

	env := map[string]string{}
	if err := json.Unmarshal([]byte(h.ok("exec", "-e", "LOOP_VAR=podman", stack, "db", "/testprog", "env")), &env); err != nil {
		t.Fatal(err)
	}
	if env["LOOP_VAR"] != "podman" {
		t.Errorf("exec env on podman: LOOP_VAR=%q", env["LOOP_VAR"])
	}
	if r := h.run("exec", stack, "db", "/testprog", "nosuch"); r.Code != 2 {
		t.Errorf("exec exit code on podman: %s", r)
	}
	if err := json.Unmarshal([]byte(h.ok("run", stack, "db", "env")), &env); err != nil || env["POSTGRES_DB"] != "app" {
		t.Errorf("run on podman: %v, POSTGRES_DB=%q", err, env["POSTGRES_DB"])
	}
	if out := h.ok("port", stack, "db", "8080"); strings.TrimSpace(out) != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("port on podman: %q", out)
	}
	h.ok("stop", stack, "db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := e.Containers(ctx, stack)
	if err != nil || len(cs) != 1 || cs[0].State == "running" {
		t.Errorf("after stop on podman: %+v, %v; want one container not running", cs, err)
	}
	h.ok("start", stack, "db")
	if cs, err := e.Containers(ctx, stack); err != nil || len(cs) != 1 || cs[0].State != "running" {
		t.Errorf("after start on podman: %+v, %v; want it running", cs, err)
	}
}

// TestE2EDomainsResolve gives an instance two domains: the stack's other
// containers resolve each to it, the container lists them in its
// devarch.domains label, and plan then shows nothing to do.
func TestE2EDomainsResolve(t *testing.T) {
	x := newE2S(t)
	s := x.stack("dom", "db=e2e-db", "web=e2s-web")
	x.ok("instance", "set", s, "web", "--domain", "web.e2e.test", "--domain", "shop.e2e.test")
	if out := x.ok("plan", s); !strings.Contains(out, "web.e2e.test") {
		t.Errorf("plan does not show the domains:\n%s", out)
	}
	x.apply(s)
	db, web := "devarch-"+s+"-db", "devarch-"+s+"-web"
	for _, d := range []string{"web.e2e.test", "shop.e2e.test"} {
		if !x.resolves(db, d) {
			t.Errorf("%s does not resolve %s", db, d)
		}
	}
	if x.resolves(db, "other.e2e.test") {
		t.Errorf("%s resolves a domain nobody has", db)
	}
	for _, c := range x.containers(s) {
		if c.Name == web && c.Labels["devarch.domains"] != "web.e2e.test,shop.e2e.test" {
			t.Errorf("label devarch.domains of %s = %q", web, c.Labels["devarch.domains"])
		}
	}
	if r := x.run("plan", s, "--detailed-exitcode"); r.Code != 0 {
		t.Errorf("plan after apply: %s", r)
	}
}
