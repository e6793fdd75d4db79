package devfile

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// richStack sets every override field, so an export shows each key's form and place.
func richStack() (core.Stack, []core.Template) {
	tpl := core.Template{
		Name: "app", Description: "an app", Image: "registry.example.com/app:1",
		Command: []string{"serve", "--port", "8080"}, Entrypoint: []string{"/bin/app"}, User: "1000:1000", Restart: "always",
		Env:         map[string]core.EnvVar{"A": {Value: "1"}, "TOKEN": {Value: "t0k3n-value", Secret: true}, "DROP": {Value: "x"}},
		Ports:       []core.Port{{Container: 8080}, {HostIP: "::1", Host: 9090, Container: 9090, Protocol: "udp"}},
		Volumes:     []core.Volume{{Source: "data", Target: "/data", ReadOnly: true}, {Source: "/srv/x", Target: "/x"}},
		Labels:      map[string]string{"team": "core"},
		Healthcheck: &core.Healthcheck{Test: []string{"CMD", "/bin/health"}, Interval: core.Duration(5e9), Retries: 3},
		Files:       []core.ConfigFile{{Target: "/etc/app.conf", Content: "a = 1\n", Mode: 0o640}, {Target: "/etc/key", Content: "k3y-material", Sensitive: true}},
		Domains:     []string{"app.localhost"},
		Exports:     []core.Export{{Name: "http", Type: core.ContractHTTP, Port: 8080, Env: map[string]string{"APP_URL": "http://{{.Host}}:{{.Port}}"}}},
		Imports:     []core.Import{{Name: "db", Type: core.ContractPostgres, Prefix: "DB_", Optional: true}},
	}
	none := []core.Port{}
	noVols := []core.Volume{}
	st := core.Stack{
		Name: "rich", Description: "every field", Environment: "dev", JoinNetworks: []string{"other"},
		Instances: []core.Instance{
			{Name: "app", Template: "app", Enabled: true, Overrides: core.Overrides{
				Image: new("registry.example.com/app2:2"), Tag: new("3"), Command: &[]string{}, Entrypoint: &[]string{"/bin/sh", "-c"},
				User: new("root"), Restart: new("no"),
				Env:      map[string]core.EnvVar{"B": {Value: "true"}, "TOKEN": {Value: "other-secret", Secret: true}},
				UnsetEnv: []string{"DROP"}, Labels: map[string]string{"tier": "web"},
				Ports: &[]core.Port{{HostIP: "127.0.0.1", Host: 5433, Container: 5432, Protocol: "tcp"}}, Volumes: &noVols,
				Healthcheck: &core.Healthcheck{Test: []string{"NONE"}},
				Files:       map[string]core.ConfigFile{"/etc/more": {Target: "/etc/more", Content: "m\n", Mode: 0o600}},
				Domains:     &[]string{}, Exports: &[]core.Export{}, Imports: &[]core.Import{}, Compose: "cpus: 0.5\n", KeepExports: true,
			}},
			{Name: "quiet", Template: "app", Enabled: false, Overrides: core.Overrides{Ports: &none}},
		},
	}
	return st, []core.Template{tpl}
}

// TestExportRichGolden pins the export of every field (the file devarch.yml
// has always written for it) and that importing it gives the stack back,
// stored the same way.
func TestExportRichGolden(t *testing.T) {
	st, tpls := richStack()
	got, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export-rich.golden")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("export differs from %s:\n%s", golden, got)
	}
	known := builtins(t)
	res, err := Parse(got, ParseOptions{Templates: known})
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range []struct {
		name      string
		got, want any
	}{{"stack", res.Stack, st}, {"templates", res.Templates, tpls}} {
		g, _ := json.Marshal(pair.got)
		w, _ := json.Marshal(pair.want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s after import:\n got %s\nwant %s", pair.name, g, w)
		}
	}
	again, err := Export(res.Stack, res.Templates, ExportOptions{Secrets: Plaintext})
	if err != nil || !bytes.Equal(again, want) {
		t.Errorf("re-export differs (%v):\n%s", err, again)
	}
}

func TestDecodeErrorsFromTheNodeTree(t *testing.T) {
	head := "version: 1\nstack: {name: s}\n"
	tests := []struct {
		name, body, field, rule string
		line                    int
	}{
		{"unknown key in an env value", "instances:\n  a:\n    template: redis\n    env:\n      K: {value: x, secrett: true}\n", "instances.a.env.K.secrett", `unknown field "secrett" (want value, secret, sealed)`, 7},
		{"unknown key in a long-form port", "instances:\n  a:\n    template: redis\n    ports: [{container: 1, hostport: 2}]\n", "instances.a.ports[0].hostport", `unknown field "hostport"`, 6},
		{"wrong kind", "instances:\n  a:\n    template: redis\n    domains: {a: b}\n", "instances.a.domains", "found a mapping, want a list", 6},
		{"not a number", "templates:\n  t:\n    image: x\n    exports: [{name: e, type: http, port: http}]\n", "templates.t.exports[0].port", "want a whole number", 6},
		{"null env value", "instances:\n  a:\n    template: redis\n    env: {K: null}\n", "instances.a.env.K", "must not be null", 6},
		{"sealed without secret", "instances:\n  a:\n    template: redis\n    env: {K: {sealed: abc}}\n", "instances.a.env.K", "must have secret: true", 6},
		{"bad short port", "instances:\n  a:\n    template: redis\n    ports: [\"1:2:3:4\"]\n", "instances.a.ports[0]", "too many", 6},
		{"template name differs from its key", "templates:\n  t:\n    name: u\n    image: x\n", "templates.t.name", "named by its key", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(head+tt.body), ParseOptions{Templates: builtins(t)})
			for _, fe := range core.AsFieldErrors(err) {
				if fe.Field == tt.field && fe.Line == tt.line && strings.Contains(fe.Rule, tt.rule) {
					return
				}
			}
			t.Fatalf("error %v, want %s (line %d) ~%q", err, tt.field, tt.line, tt.rule)
		})
	}
}
