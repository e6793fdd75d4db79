package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runAt runs devarch in dir with extra environment entries.
func (h *home) runAt(dir string, env []string, args ...string) result {
	h.t.Helper()
	return h.runDevarch(2*time.Minute, dir, env, "", args...)
}

// TestDefaultStackFromDevfile works in a project whose devarch.yml names
// the stack: commands find it from a subdirectory and say where it came
// from, DEVARCH_STACK and -s win over it, and up without a terminal asks
// for --auto-approve before it creates anything.
func TestDefaultStackFromDevfile(t *testing.T) {
	h := newHome(t)
	project := t.TempDir()
	file := filepath.Join(project, "devarch.yml")
	devfile := "version: 1\nstack:\n  name: loopshop\ninstances:\n  cache:\n    template: redis\n"
	if err := os.WriteFile(file, []byte(devfile), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(project, "src", "app")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	if r := h.runAt(sub, nil, "up"); r.Code != 1 || !strings.Contains(r.Stderr, "needs confirmation") {
		t.Fatalf("up without a terminal: %s", r)
	}
	if r := h.runAt(sub, nil, "stack", "ls", "-q"); r.Code != 0 || strings.TrimSpace(r.Stdout) != "" {
		t.Fatalf("a refused up created a stack: %s", r)
	}
	if r := h.runAt(sub, nil, "instance", "ls"); r.Code != 1 || !strings.Contains(r.Stderr, `stack "loopshop"`) {
		t.Fatalf("instance ls before the import should say the file's stack is not found: %s", r)
	}
	h.ok("import", file)
	h.ok("stack", "create", "other")
	h.ok("instance", "add", "other", "db", "--template", "postgres")

	r := h.runAt(sub, nil, "instance", "ls", "-q")
	if r.Code != 0 || r.Stdout != "cache\n" || !strings.Contains(r.Stderr, `devarch: using stack "loopshop" from `+file) {
		t.Fatalf("instance ls in the project: %s", r)
	}
	r = h.runAt(sub, []string{"DEVARCH_STACK=other"}, "instance", "ls", "-q")
	if r.Code != 0 || r.Stdout != "db\n" || !strings.Contains(r.Stderr, `from DEVARCH_STACK`) {
		t.Fatalf("DEVARCH_STACK should win over the file: %s", r)
	}
	r = h.runAt(sub, []string{"DEVARCH_STACK=loopshop"}, "instance", "ls", "-s", "other", "-q")
	if r.Code != 0 || r.Stdout != "db\n" || strings.Contains(r.Stderr, "using stack") {
		t.Fatalf("-s should win over DEVARCH_STACK, silently: %s", r)
	}
	r = h.runAt(sub, nil, "instance", "show", "cache", "--json")
	var view struct {
		Instance struct {
			Name string `json:"name"`
		} `json:"instance"`
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &view) != nil || view.Instance.Name != "cache" {
		t.Fatalf("instance show INSTANCE with the file's stack: %s", r)
	}
	if r := h.runAt(t.TempDir(), nil, "plan"); r.Code != 1 || !strings.Contains(r.Stderr, "devarch.yml") {
		t.Fatalf("plan outside a project should say how to name a stack: %s", r)
	}
	if r := h.runAt(sub, nil, "destroy", "ghost"); r.Code != 1 || !strings.Contains(r.Stderr, "not found") || strings.Contains(r.Stderr, "confirmation") {
		t.Fatalf("destroy of an unknown stack: %s", r)
	}
}
