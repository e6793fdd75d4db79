package render

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const secret = "hunter2-very-secret"

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func fullPlan() plan.View {
	return plan.View{
		Stack:   "shop",
		Runtime: "docker compose v2 (context default)",
		Network: plan.Create,
		Changes: []plan.ResourceChange{
			{Instance: "api", Container: "devarch-shop-api", Action: plan.Create},
			{Instance: "cache", Container: "devarch-shop-cache", Action: plan.Replace, Reason: "image changed",
				Fields: []plan.FieldChange{{Field: "image", Old: "docker.io/library/redis:7", New: "docker.io/library/redis:7.2"}}},
			{Instance: "db", Container: "devarch-shop-db", Action: plan.Update, Fields: []plan.FieldChange{
				{Field: "ports", Old: "5432:5432", New: "5433:5432"},
				{Field: "env.POSTGRES_PASSWORD", Old: core.Redacted, New: core.Redacted, Secret: true},
				{Field: "user", New: "999"},
			}},
			{Instance: "old", Container: "devarch-shop-old", Action: plan.Delete, Reason: "instance removed"},
		},
		Wires: []core.ResolvedWire{
			{Consumer: "api", Import: "cache", Type: core.ContractRedis, Provider: "cache", Auto: false},
			{Consumer: "api", Import: "db", Type: core.ContractPostgres, Provider: "db", Auto: true},
		},
		Warnings: []string{"instance api: optional import mail has no provider"},
		Summary:  plan.Summary{Create: 1, Update: 1, Replace: 1, Delete: 1},
	}
}

// privilegedPlan creates one instance with privileges and updates another
// to have them.
func privilegedPlan() plan.View {
	return plan.View{
		Stack: "ops", Runtime: "docker compose v2 (context default)",
		Changes: []plan.ResourceChange{
			{Instance: "agent", Container: "devarch-ops-agent", Action: plan.Create,
				Privileges: []string{"privileged", "pid host", "cap_add ALL", "bind /"}},
			{Instance: "plain", Container: "devarch-ops-plain", Action: plan.Create},
			{Instance: "watch", Container: "devarch-ops-watch", Action: plan.Update,
				Fields:     []plan.FieldChange{{Field: "compose", Old: "(set)", New: "(changed)"}},
				Privileges: []string{"bind /var/run/docker.sock"}},
		},
		Summary: plan.Summary{Create: 2, Update: 1},
	}
}

func TestPlanGolden(t *testing.T) {
	destroy := plan.View{Stack: "shop", Destroy: true, Runtime: "podman compose", Network: plan.Delete,
		Changes: []plan.ResourceChange{{Instance: "db", Container: "devarch-shop-db", Action: plan.Delete, Reason: "stack destroyed"}},
		Summary: plan.Summary{Delete: 1}}
	tests := []struct {
		name   string
		p      plan.View
		color  bool
		golden string
	}{
		{"full", fullPlan(), false, "plan_full.golden"},
		{"full in color", fullPlan(), true, "plan_color.golden"},
		{"empty", plan.View{Stack: "shop"}, false, "plan_empty.golden"},
		{"empty with warnings", plan.View{Stack: "shop", Warnings: []string{"port 8080 is also published by stack blog"}}, false, "plan_empty_warnings.golden"},
		{"destroy", destroy, false, "plan_destroy.golden"},
		{"destroy nothing", plan.View{Stack: "shop", Destroy: true}, false, "plan_destroy_empty.golden"},
		{"privileges", privilegedPlan(), false, "plan_privileges.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Plan(&buf, tt.p, tt.color); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, buf.Bytes())
			if !tt.color && strings.Contains(buf.String(), "\x1b[") {
				t.Error("color codes without color")
			}
		})
	}
}

// TestPlanNeverShowsSecrets renders a computed plan whose secrets change
// and whose field changes were tampered to hold the value.
func TestPlanNeverShowsSecrets(t *testing.T) {
	svc := func(pw string) core.WiredService {
		return core.WiredService{Service: core.Service{Instance: "db", Template: "postgres", Enabled: true,
			Image: "docker.io/library/postgres:16",
			Env:   map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: pw, Secret: true}}}}
	}
	old := core.Desired{Stack: "shop", Lineage: "l", Serial: 1, Services: []core.WiredService{svc("old-" + secret)}}
	cur := core.Desired{Stack: "shop", Lineage: "l", Serial: 2, Services: []core.WiredService{svc(secret)}}
	p := plan.Compute(plan.Input{Desired: cur, Applied: &old,
		Live: []plan.LiveContainer{{Name: "devarch-shop-db", Instance: "db", State: "running", Lineage: "l"}}})
	p.Changes = append(p.Changes, plan.ResourceChange{Instance: "x", Container: "devarch-shop-x", Action: plan.Update,
		Fields: []plan.FieldChange{{Field: "env.TOKEN", Old: secret, New: secret + "2", Secret: true}}})
	p.Summary.Update++

	// Render a View whose changes hold what p holds, the tampered value
	// included: rendering hides a secret field whatever it is given.
	v := plan.Redact(p)
	v.Changes = p.Changes
	var buf bytes.Buffer
	if err := Plan(&buf, v, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, secret) {
		t.Fatalf("plan output shows a secret:\n%s", out)
	}
	for _, want := range []string{"env.POSTGRES_PASSWORD: (sensitive value)", "env.TOKEN: (sensitive value)", "~ update  devarch-shop-db"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := JSON(&buf, plan.Redact(p)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("redacted plan JSON shows a secret")
	}
}

type hintErr struct{ msg, hint string }

func (e *hintErr) Error() string { return e.msg }
func (e *hintErr) Hint() string  { return e.hint }

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

func TestError(t *testing.T) {
	diags := &core.DiagnosticsError{Diagnostics: []core.Diagnostic{
		{Severity: core.SeverityError, Instance: "api", Message: "import db (postgres) has 2 providers: db1, db2",
			Hint: "devarch wire add shop api.db db1"},
		{Instance: "web", Message: "import cache (redis) has no provider"},
	}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("stack \"shop\" not found"), "devarch: error: stack \"shop\" not found\n"},
		{"hint", fmt.Errorf("apply: %w", &hintErr{"plan abc is stale", "run `plan shop` again"}),
			"devarch: error: apply: plan abc is stale\ndevarch: hint: run `plan shop` again\n"},
		{"two hints", &hintErr{"locked", "wait for job 12 to end\nor run `unlock shop --force`"},
			"devarch: error: locked\ndevarch: hint: wait for job 12 to end\ndevarch: hint: or run `unlock shop --force`\n"},
		{"stale plan", &plan.StaleError{PlanID: "abc", Stack: "shop", Kind: plan.StaleSerial, What: []string{"serial 1 → 2"}},
			"devarch: error: plan abc is stale: serial 1 → 2\ndevarch: hint: run `plan shop` again\n"},
		{"diagnostics", fmt.Errorf("plan stack shop: %w", diags),
			"devarch: error: plan stack shop\n" +
				"devarch: error: instance api: import db (postgres) has 2 providers: db1, db2\n" +
				"devarch: hint: devarch wire add shop api.db db1\n" +
				"devarch: error: instance web: import cache (redis) has no provider\n"},
		{"field errors", fmt.Errorf("import devarch.yml: %w", core.FieldErrors{
			{Field: "instances.api.ports[0]", Rule: "host port must be 1-65535", Line: 12},
			{Field: "name", Rule: "must be a DNS label", Hint: "use lowercase letters, digits and -"},
		}),
			"devarch: error: import devarch.yml\n" +
				"devarch: error: instances.api.ports[0] (line 12): host port must be 1-65535\n" +
				"devarch: error: name: must be a DNS label\n" +
				"devarch: hint: use lowercase letters, digits and -\n"},
		{"one field error", core.Errf("name", "must be a DNS label"), "devarch: error: name: must be a DNS label\n"},
		{"message differs from diagnostics", &wrapped{msg: "stack shop has problems", err: diags},
			"devarch: error: stack shop has problems\n"},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Error(&buf, tt.err); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), tt.want)
			}
		})
	}
}

func TestDiagnosticsTableJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Diagnostics(&buf, []core.Diagnostic{
		{Severity: core.SeverityWarning, Instance: "api", Message: "optional import mail has no provider"},
		{Severity: core.SeverityError, Message: "cycle: api -> worker -> api", Hint: "remove one of the wires"},
	}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diagnostics.golden", buf.Bytes())

	buf.Reset()
	if err := Table(&buf, []string{"NAME", "INSTANCES", "APPLIED"}, [][]string{
		{"shop", "3", "2026-11-22T12:00:00Z"},
		{"blog-with-long-name", "12", ""},
	}); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", buf.Bytes())

	buf.Reset()
	if err := JSON(&buf, map[string]any{"stack": "shop", "url": "http://a/?x=1&y=<2>", "n": 3}); err != nil {
		t.Fatal(err)
	}
	golden(t, "json.golden", buf.Bytes())
}
