package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTemplateBombRefused adds, through the CLI, a small template whose
// export env loops five million times: it is refused at once, naming the
// field and the rule, and nothing is stored. A description over its limit
// is refused the same way.
func TestTemplateBombRefused(t *testing.T) {
	h := newHome(t)
	file := filepath.Join(t.TempDir(), "bomb.yml")
	bomb := "name: bomb\nimage: docker.io/library/redis:7\nports: [\"6379\"]\n" +
		"exports:\n  - {name: r, type: redis, port: 6379, env: {BOMB: \"{{range 5000000}}" + strings.Repeat("A", 100) + "{{end}}\"}}\n"
	if err := os.WriteFile(file, []byte(bomb), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := h.fails(1, "template", "add", "-f", file)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing the template took %s", d)
	}
	for _, want := range []string{"exports[0].env.BOMB", "range is not allowed"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if out := h.ok("template", "ls"); strings.Contains(out, "bomb") {
		t.Errorf("the refused template was stored:\n%s", out)
	}

	r = h.fails(1, "stack", "create", "big", "--description", strings.Repeat("d", 2048))
	for _, want := range []string{"stack.description", "the limit is 1 KiB"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if out := h.ok("stack", "ls"); strings.Contains(out, "big") {
		t.Errorf("the refused stack was stored:\n%s", out)
	}
}
