//go:build e2e

package tests

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpDown brings a project up from its devarch.yml with one command, as
// from a fresh clone: up creates the stack and applies it, down takes it
// down, up brings it back, and an edited devarch.yml is applied by up.
func TestUpDown(t *testing.T) {
	x := newE2S(t)
	s := fmt.Sprintf("e2s-up-%04x", rand.IntN(0x10000))
	x.root.stacks = append(x.root.stacks, s)
	project := t.TempDir()
	file := filepath.Join(project, "devarch.yml")
	write := func(env string) {
		content := "version: 1\nstack:\n  name: " + s + "\ninstances:\n  db:\n    template: e2e-db\n" + env
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")

	r := x.runAt(project, nil, "up", "--auto-approve")
	if r.Code != 0 || !strings.Contains(r.Stdout, `Created stack "`+s+`"`) {
		t.Fatalf("up of a fresh project: %s", r)
	}
	if cs := x.containers(s); len(cs) != 1 || !strings.Contains(cs[0].State, "running") {
		t.Fatalf("after up: containers %+v; want db running", cs)
	}
	if r := x.runAt(project, nil, "ps", "-q"); r.Code != 0 || strings.TrimSpace(r.Stdout) != "devarch-"+s+"-db" {
		t.Fatalf("ps -q in the project: %s", r)
	}

	if r := x.runAt(project, nil, "down", "--auto-approve"); r.Code != 0 {
		t.Fatalf("down: %s", r)
	}
	if cs := x.containers(s); len(cs) != 0 {
		t.Fatalf("after down: containers %+v; want none", cs)
	}
	if r := x.runAt(project, nil, "up", "--auto-approve"); r.Code != 0 || len(x.containers(s)) != 1 {
		t.Fatalf("up after down should start the stack again: %s", r)
	}

	write("    env:\n      GREETING: hello\n")
	r = x.runAt(project, nil, "up", "--auto-approve")
	if r.Code != 0 || !strings.Contains(r.Stdout, "~ update") || !strings.Contains(r.Stdout, "env.GREETING") {
		t.Fatalf("up of an edited devarch.yml: %s", r)
	}
	if r := x.runAt(project, nil, "plan", "--detailed-exitcode"); r.Code != 0 {
		t.Errorf("plan after up should be empty: %s", r)
	}
}
