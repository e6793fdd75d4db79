package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImportComposeOverStackThroughCLI: import-compose of an edited file
// over the stack it created prints a plan and saves it; the templates are
// replaced only when that plan is applied; stack rm takes the templates
// the import created with it.
func TestImportComposeOverStackThroughCLI(t *testing.T) {
	h := newHome(t)
	fakeDocker(t, h)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	write := func(port string) {
		t.Helper()
		content := "name: reimp\nservices:\n  web:\n    image: ghcr.io/acme/web:1\n    ports: [\"127.0.0.1:" + port + ":8080\"]\n    depends_on: [worker]\n  worker:\n    image: ghcr.io/acme/worker:1\n"
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("18671")
	h.ok("import-compose", file)
	if out := h.ok("import-compose", file); !strings.Contains(out, `Stack "reimp" already matches the file: nothing to apply.`) {
		t.Errorf("unchanged re-import:\n%s", out)
	}

	write("18672")
	out := h.ok("import-compose", file, "--runtime", "docker")
	m := regexp.MustCompile(`saved as plan (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "devarch-reimp-web") || !strings.Contains(out, "apply reimp --plan "+m[1]) {
		t.Fatalf("re-import with a changed port: want the plan and how to apply it:\n%s", out)
	}
	if shown := h.ok("template", "show", "reimp-web"); !strings.Contains(shown, "18671") || strings.Contains(shown, "18672") {
		t.Errorf("the template changed before the plan was applied:\n%s", shown)
	}
	if plans := h.ok("import-compose", file, "--runtime", "docker"); !strings.Contains(plans, "saved as plan") {
		t.Errorf("the changed file again, before apply: want a plan again:\n%s", plans)
	}

	h.ok("stack", "rm", "reimp")
	if ls := h.ok("template", "ls"); strings.Contains(ls, "reimp-web") || strings.Contains(ls, "reimp-worker") {
		t.Errorf("stack rm left the templates import-compose created:\n%s", ls)
	}
}
