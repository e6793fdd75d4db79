package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

// TestViewMirrorsPlan pins View to Plan: the same fields with the same
// JSON tags in the same order, Desired being the redacted form, so a
// client reads the answer exactly as a Plan encodes.
func TestViewMirrorsPlan(t *testing.T) {
	pt, vt := reflect.TypeFor[Plan](), reflect.TypeFor[View]()
	if pt.NumField() != vt.NumField() {
		t.Fatalf("Plan has %d fields, View %d", pt.NumField(), vt.NumField())
	}
	for i := range pt.NumField() {
		pf, vf := pt.Field(i), vt.Field(i)
		t.Run(pf.Name, func(t *testing.T) {
			if pf.Name != vf.Name || pf.Tag.Get("json") != vf.Tag.Get("json") {
				t.Fatalf("field %d: Plan %s %q, View %s %q", i, pf.Name, pf.Tag.Get("json"), vf.Name, vf.Tag.Get("json"))
			}
			want := pf.Type
			if pf.Name == "Desired" {
				want = reflect.TypeFor[core.DesiredView]()
			}
			if vf.Type != want {
				t.Errorf("View.%s is %s, want %s", vf.Name, vf.Type, want)
			}
		})
	}
}

// TestRedactKeepsEncoding checks that a plan without secrets encodes as its
// View does but for the actions, which the View names (view_json.go), and
// that a View decodes and encodes back unchanged (the CLI prints `plan
// --json` from the View it decoded).
func TestRedactKeepsEncoding(t *testing.T) {
	applied := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	d := desired(3, svc("api", "docker.io/acme/api:1"), svc("db", "docker.io/library/postgres:16"))
	d.Wires = []core.ResolvedWire{{Consumer: "api", Import: "db", Type: core.ContractPostgres, Provider: "db", Export: "postgres", Auto: true}}
	d.Warnings = []core.Diagnostic{{Severity: core.SeverityWarning, Instance: "api", Message: "optional import cache has no provider"}}
	p := Compute(Input{Desired: d, Live: []LiveContainer{running("db", "x")}, Runtime: "docker"})
	p.ID, p.Runtime = "plan-1", "docker compose v2"
	p.CreatedAt, p.ExpiresAt, p.AppliedAt = applied, applied.Add(time.Hour), &applied
	if len(p.Changes) == 0 || len(p.Warnings) == 0 || len(p.Basis.Live) == 0 {
		t.Fatalf("fixture plan lacks changes, warnings or live containers: %+v", p)
	}
	stored, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte(strings.NewReplacer(`"action":"+"`, `"action":"create"`, `"action":"~"`, `"action":"update"`,
		`"network":"+"`, `"network":"create"`).Replace(string(stored)))
	got, err := json.Marshal(Redact(p))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("view encodes as\n%s\nplan as\n%s", got, want)
	}
	var back View
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(want) {
		t.Errorf("decoded view encodes as\n%s\nwant\n%s", again, want)
	}
}

// TestRedactChanges checks that RedactChanges is Redact without the
// desired state: the same redacted changes, warnings and hashes.
func TestRedactChanges(t *testing.T) {
	const secret = "s3cret-value"
	d := desired(3, svc("api", "docker.io/acme/api:1"))
	d.Services[0].Env = map[string]core.EnvVar{"PASSWORD": {Value: secret, Secret: true}}
	d.Services[0].Command = []string{"run", "--password=" + secret}
	p := Compute(Input{Desired: d})
	p.Warnings = append(p.Warnings, "saw "+secret)
	got, want := RedactChanges(p), Redact(p)
	if len(got.Desired.Desired().Services) != 0 {
		t.Errorf("RedactChanges kept the desired state: %+v", got.Desired.Desired())
	}
	want.Desired = core.DesiredView{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RedactChanges = %+v\nwant %+v", got, want)
	}
	if data, _ := json.Marshal(got); strings.Contains(string(data), secret) {
		t.Errorf("view shows the secret: %s", data)
	}
}
