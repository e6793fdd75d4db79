package devfile

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/compose"
)

// composeFixture reads testdata/compose/file.
func composeFixture(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/compose/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func importCompose(t *testing.T, file, stack string) (*ComposeImport, error) {
	t.Helper()
	return FromCompose(composeFixture(t, file), composeOpts(file, stack))
}

// composeOpts are FromCompose options with the catalog and no environment.
func composeOpts(file, stack string) ComposeOptions {
	return ComposeOptions{
		Filename: file, Stack: stack, WorkDir: "/srv/project",
		Builtins: slices.Collect(maps.Values(catalog.Builtin())),
	}
}

// fromCompose imports testdata/compose/file as stack "app".
func fromCompose(t *testing.T, file string, env map[string]string, profiles ...string) (*ComposeImport, error) {
	t.Helper()
	return fromComposeData(t, string(composeFixture(t, file)), env, profiles...)
}

// fromComposeData imports a compose file given inline as stack "app".
func fromComposeData(t *testing.T, file string, env map[string]string, profiles ...string) (*ComposeImport, error) {
	t.Helper()
	opt := composeOpts("compose.yaml", "app")
	opt.Environment, opt.Profiles = env, profiles
	return FromCompose([]byte(file), opt)
}

// generated is the compose project devarch generates for an import, with
// every instance enabled: it proves the fragments load in compose-go.
func generated(t *testing.T, ci *ComposeImport) string {
	t.Helper()
	tpls := builtins(t)
	for _, tp := range ci.Templates {
		tpls[tp.Name] = tp
	}
	st := ci.Stack
	st.Instances = slices.Clone(st.Instances)
	for i := range st.Instances {
		st.Instances[i].Enabled = true
	}
	d, err := core.Build(st, tpls)
	if err != nil {
		t.Fatalf("imported stack does not build: %v", err)
	}
	out, err := compose.Generate(d, compose.Options{ShowSecrets: true, FilesDir: "/tmp/files"})
	if err != nil {
		t.Fatalf("imported stack does not generate: %v", err)
	}
	return string(out)
}

func hasWarning(ws []string, parts ...string) bool {
	return slices.ContainsFunc(ws, func(w string) bool {
		for _, p := range parts {
			if !strings.Contains(w, p) {
				return false
			}
		}
		return true
	})
}

func TestComposeWebDBCache(t *testing.T) {
	ci, err := importCompose(t, "web-db-cache.yml", "shop")
	if err != nil {
		t.Fatal(err)
	}
	st := ci.Stack
	if names := instanceNames(st); !slices.Equal(names, []string{"cache", "db", "web"}) {
		t.Fatalf("instances = %v", names)
	}
	db, _ := st.Instance("db")
	if db.Template != "postgres" || db.Overrides.Tag == nil || *db.Overrides.Tag != "15" {
		t.Errorf("db should be the postgres built-in at tag 15: %+v", db)
	}
	if pw := db.Overrides.Env["POSTGRES_PASSWORD"]; pw.Value != "hunter2-db" || !pw.Secret {
		t.Errorf("db password = %+v", pw)
	}
	if v := *db.Overrides.Volumes; len(v) != 1 || v[0].Source != "pgdata" || v[0].Target != "/var/lib/postgresql/data" {
		t.Errorf("db volumes = %+v", v)
	}
	if h := db.Overrides.Healthcheck; h == nil || h.Test[0] != "CMD-SHELL" || h.Interval.String() != "2s" {
		t.Errorf("db healthcheck = %+v", h)
	}
	cache, _ := st.Instance("cache")
	if cache.Template != "redis" {
		t.Errorf("cache template = %s", cache.Template)
	}
	// What compose does with a service that sets neither: no published
	// ports, no restart policy; the catalog's must not come in.
	if p := cache.Overrides.Ports; p == nil || len(*p) != 0 {
		t.Errorf("cache ports override = %v; want an empty list (publish nothing)", p)
	}
	if r := cache.Overrides.Restart; r == nil || *r != "no" {
		t.Errorf("cache restart override = %v; want no", r)
	}
	if len(ci.Templates) != 1 || ci.Templates[0].Name != "shop-web" {
		t.Fatalf("templates = %+v", ci.Templates)
	}
	web := ci.Templates[0]
	if web.Image != "registry.example.com/shop/web:2.1" || web.Ports[0] != (core.Port{HostIP: "127.0.0.1", Host: 8080, Container: 8080}) {
		t.Errorf("web template = %+v", web)
	}
	if !web.Env["SESSION_SECRET"].Secret || web.Env["LOG_LEVEL"].Secret {
		t.Errorf("secret detection: %+v", web.Env)
	}
	if web.Healthcheck == nil || web.Healthcheck.Retries != 3 {
		t.Errorf("web healthcheck = %+v", web.Healthcheck)
	}
	wantImports := []core.Import{{Name: "cache", Type: core.ContractRedis}, {Name: "db", Type: core.ContractPostgres}}
	if !slices.Equal(web.Imports, wantImports) {
		t.Errorf("web imports = %+v", web.Imports)
	}
	wantWires := []core.Wire{{Consumer: "web", Import: "cache", Provider: "cache"}, {Consumer: "web", Import: "db", Provider: "db"}}
	if !slices.Equal(st.Wires, wantWires) {
		t.Errorf("wires = %+v", st.Wires)
	}
	tpls := builtins(t)
	tpls["shop-web"] = web
	if err := core.ValidateStack(st, tpls); err != nil {
		t.Errorf("imported stack does not validate: %v", err)
	}
	d, err := core.Build(st, tpls)
	if err != nil {
		t.Fatalf("imported stack does not build: %v", err)
	}
	w, _ := d.Service("web")
	if !slices.ContainsFunc(w.DependsOn, func(dep core.Dependency) bool { return dep.Instance == "db" && dep.Healthy }) {
		t.Errorf("web depends_on = %+v; want db healthy", w.DependsOn)
	}
}

func TestComposeCustomProvider(t *testing.T) {
	ci, err := importCompose(t, "worker-queue.yml", "jobs")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := ci.Stack.Instance("queue")
	if q.Template != "rabbitmq" || *q.Overrides.Tag != "3-management" {
		t.Errorf("queue = %+v", q)
	}
	var metrics, worker core.Template
	for _, tp := range ci.Templates {
		switch tp.Name {
		case "jobs-metrics":
			metrics = tp
		case "jobs-worker":
			worker = tp
		}
	}
	if len(metrics.Exports) != 1 || metrics.Exports[0].Type != "x-metrics" || metrics.Exports[0].Port != 9090 {
		t.Errorf("metrics exports = %+v", metrics.Exports)
	}
	if len(worker.Imports) != 2 || !slices.Equal(worker.Command, []string{"worker", "--concurrency", "4"}) {
		t.Errorf("worker = %+v", worker)
	}
	m, _ := ci.Stack.Instance("metrics")
	if !strings.Contains(m.Overrides.Compose, "tmpfs:\n  - /scratch\n") {
		t.Errorf("the tmpfs mount should be carried over in the compose fragment: %q", m.Overrides.Compose)
	}
	if len(ci.Warnings) != 0 {
		t.Errorf("warnings = %v; want none", ci.Warnings)
	}
}

func TestComposeErrors(t *testing.T) {
	_, err := importCompose(t, "build-only.yml", "app")
	if err == nil || !strings.Contains(err.Error(), "services.app.build") {
		t.Errorf("build-only: %v", err)
	}
	_, err = importCompose(t, "web-db-cache.yml", "Bad_Name")
	if err == nil || !strings.Contains(err.Error(), "lowercase") {
		t.Errorf("bad stack name: %v", err)
	}
	_, err = FromCompose([]byte("services: [1"), ComposeOptions{Filename: "x.yml", Stack: "x", WorkDir: "/"})
	if err == nil || !strings.Contains(err.Error(), "not a valid compose file") {
		t.Errorf("bad yaml: %v", err)
	}
}

// TestComposeErrorPaths: problems found by devarch's validation are
// reported at the compose service and key, with the compose file's line.
func TestComposeErrorPaths(t *testing.T) {
	tests := []struct {
		name string
		file string // in testdata/compose
		want []string
		not  []string
	}{
		{
			name: "port clash between new templates",
			file: "port-clash.yml",
			want: []string{"services.two.ports[1] (line 10)", "also published by service one"},
			not:  []string{"instances.", "templates."},
		},
		{
			name: "port clash with a built-in's override",
			file: "port-clash-builtin.yml",
			want: []string{"services.web.ports[0] (line 4)", "service api"},
			not:  []string{"instances."},
		},
		{
			name: "port range",
			file: "port-range.yml",
			want: []string{"services.one.ports[0] (line 5)", "ranges are not supported"},
		},
		{
			name: "service name that is no instance name",
			file: "bad-service-name.yml",
			want: []string{"services.Web_1 (line 2)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fromCompose(t, tc.file, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q should not mention %q", err, w)
				}
			}
		})
	}
}

func instanceNames(st core.Stack) []string {
	var out []string
	for _, i := range st.Instances {
		out = append(out, i.Name)
	}
	return out
}
