package tests

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCLIContainerNameClash: stack cli-k instance y and stack cli instance
// k-y would both run as devarch-cli-k-y; the second is refused with the
// other stack, its instance and the rule, and nothing is stored.
func TestCLIContainerNameClash(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "cli")
	h.ok("instance", "add", "cli", "k-y", "--template", "redis")
	h.ok("stack", "create", "cli-k")
	cases := []struct {
		name string
		args []string
	}{
		{"add", []string{"instance", "add", "cli-k", "y", "--template", "redis"}},
		{"rename", []string{"instance", "rename", "cli-k", "w", "y"}},
		{"duplicate", []string{"instance", "duplicate", "cli-k", "w", "y"}},
	}
	h.ok("instance", "add", "cli-k", "w", "--template", "redis")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.fails(1, tc.args...)
			for _, w := range []string{"devarch: error: ", "devarch-cli-k-y", `stack "cli" instance "k-y"`, "must be unique across stacks"} {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r)
				}
			}
			var insts []struct{ Name string }
			h.json(&insts, "instance", "ls", "cli-k")
			if len(insts) != 1 || insts[0].Name != "w" {
				t.Errorf("a refused %s stored something: %+v", tc.name, insts)
			}
		})
	}
}

// TestCLIConcurrentEditsAllSucceed: parallel edits of one instance queue
// for the stack's edit lock; none fails and none is lost.
func TestCLIConcurrentEditsAllSucceed(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "par")
	h.ok("instance", "add", "par", "cache", "--template", "redis")
	const n = 20
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = h.run("instance", "set", "par", "cache", "--env", fmt.Sprintf("K%d=%d", i, i))
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("edit %d: %s", i, r)
		}
	}
	var view struct {
		Instance struct {
			Overrides struct {
				Env map[string]struct{ Value string }
			}
		}
	}
	h.json(&view, "instance", "show", "par", "cache")
	for i := range n {
		if v := view.Instance.Overrides.Env[fmt.Sprintf("K%d", i)].Value; v != fmt.Sprint(i) {
			t.Errorf("K%d = %q after the parallel edits", i, v)
		}
	}
}

// TestCLIWiringExitStatus: wires, wire and unwire exit 1 while the stack's
// wiring has errors, still printing the table or the stored change.
func TestCLIWiringExitStatus(t *testing.T) {
	h := newHome(t)
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-db.yml"))
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-api.yml"))
	h.ok("stack", "create", "wx")
	h.ok("instance", "add", "wx", "api", "--template", "e2e-api")

	// A required import without a provider.
	r := h.fails(1, "wires", "wx")
	if !strings.Contains(r.Stdout, "UNRESOLVED") || !strings.Contains(r.Stderr, "devarch: error: ") {
		t.Errorf("wires with a missing provider: %s", r)
	}
	r = h.fails(1, "wires", "wx", "--json")
	if !strings.HasPrefix(r.Stdout, "{") || !strings.Contains(r.Stderr, "devarch: error: ") {
		t.Errorf("wires --json with a missing provider: %s", r)
	}

	// Two providers and two consumers: both imports are ambiguous.
	h.ok("instance", "rm", "wx", "api")
	h.ok("instance", "add", "wx", "db1", "--template", "e2e-db")
	h.ok("instance", "add", "wx", "db2", "--template", "e2e-db")
	h.ok("instance", "add", "wx", "api", "--template", "e2e-api")
	h.ok("instance", "add", "wx", "api2", "--template", "e2e-api")
	r = h.fails(1, "wires", "wx")
	if !strings.Contains(r.Stderr, "db1") || !strings.Contains(r.Stderr, "db2") {
		t.Errorf("ambiguous wiring should name both providers: %s", r)
	}

	// The wire is stored and reported, but api2 is still ambiguous.
	r = h.fails(1, "wire", "wx", "api.db", "db2")
	if !strings.Contains(r.Stdout, "Wired api.db to db2.") || !strings.Contains(r.Stderr, "devarch: error: instance api2") {
		t.Errorf("a stored wire leaving broken wiring: %s", r)
	}
	if out := h.ok("wire", "wx", "api2.db", "db1"); !strings.Contains(out, "Wired api2.db to db1.") {
		t.Errorf("wire output = %q", out)
	}
	if out := h.ok("wires", "wx"); !strings.Contains(out, "db2") || !strings.Contains(out, "explicit") {
		t.Errorf("wires = %q", out)
	}
	h.ok("wires", "wx", "--json")

	// Without its wire api2 is ambiguous again: exit 1 with the error.
	r = h.fails(1, "unwire", "wx", "api2.db")
	if !strings.Contains(r.Stderr, "devarch: error: ") || !strings.Contains(r.Stderr, "api2") {
		t.Errorf("unwire into broken wiring: %s", r)
	}
}

// TestCLIConfigWarnings: config prints the stack's warnings on stderr and
// only the compose file on stdout.
func TestCLIConfigWarnings(t *testing.T) {
	h := newHome(t)
	for _, s := range []string{"cw1", "cw2"} {
		h.ok("stack", "create", s)
		h.ok("instance", "add", s, "cache", "--template", "redis")
		h.ok("instance", "set", s, "cache", "--port", "127.0.0.1:18677:6379")
	}
	r := h.run("config", "cw2")
	if r.Code != 0 {
		t.Fatalf("config: %s", r)
	}
	if !strings.Contains(r.Stderr, "devarch: warning: ") || !strings.Contains(r.Stderr, "18677") || !strings.Contains(r.Stderr, "cw1") {
		t.Errorf("config should warn about the host port stack cw1 also publishes: %s", r)
	}
	if strings.Contains(r.Stdout, "devarch: warning") || !strings.Contains(r.Stdout, "services:") {
		t.Errorf("stdout must be the compose file only: %s", r)
	}
}
