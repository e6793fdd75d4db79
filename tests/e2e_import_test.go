//go:build e2e

package tests

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestE2SImportOverExistingStack edits an exported devarch.yml and imports
// it over the running stack: nothing changes until the saved plan the
// import printed is applied; then the container runs the new definition.
func TestE2SImportOverExistingStack(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("imp", "db=e2e-db", "api=e2e-api")
	x.ok("instance", "set", s, "api", "--env", "GREETING=before")
	x.apply(s)
	before := x.ok("stack", "show", s, "--json")

	exported := x.ok("export", s, "--include-secrets")
	if !strings.Contains(exported, "GREETING: before") {
		t.Fatalf("export lacks the override:\n%s", exported)
	}
	edited := strings.Replace(exported, "GREETING: before", "GREETING: after", 1)
	out := x.ok("import", writeTemp(t, "devarch.yml", edited))
	for _, want := range []string{"~ update", core.ContainerName(s, "api"), `env.GREETING: "before" → "after"`, "apply " + s + " --plan "} {
		if !strings.Contains(out, want) {
			t.Errorf("import over a stack should print its plan; lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, core.ContainerName(s, "db")) {
		t.Errorf("the plan should leave db alone:\n%s", out)
	}
	if now := x.ok("stack", "show", s, "--json"); now != before {
		t.Fatalf("an import over an existing stack changed it before apply:\n%s\n---\n%s", before, now)
	}
	id := regexp.MustCompile(`--plan (\S+?)` + "`").FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no plan id in:\n%s", out)
	}
	x.ok("apply", s, "--plan", id[1])

	var env map[string]string
	got, err := x.e.Exec(x.ctx(), core.ContainerName(s, "api"), "/testprog", "env")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &env); err != nil {
		t.Fatal(err)
	}
	if env["GREETING"] != "after" {
		t.Errorf("after apply the container has GREETING=%q, want after", env["GREETING"])
	}
	if r := x.run("plan", s, "--detailed-exitcode"); r.Code != 0 {
		t.Errorf("plan after applying the import: want no changes, got %s", r)
	}
	again := x.ok("export", s, "--include-secrets")
	if again != edited {
		t.Errorf("export after the import differs from the imported file:\n%s\n---\n%s", edited, again)
	}
	// Importing what the stack already is saves no plan.
	if out := x.ok("import", writeTemp(t, "same.yml", again)); !strings.Contains(out, "already matches the file") || strings.Contains(out, "--plan") {
		t.Errorf("re-importing an unchanged stack should say so and save no plan:\n%s", out)
	}
}
