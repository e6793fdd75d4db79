package devfile

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
)

func importCompose(t *testing.T, file, stack string) (*ComposeImport, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/compose/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return FromCompose(data, composeOpts(file, stack))
}

// composeOpts are FromCompose options with the catalog and no environment.
func composeOpts(file, stack string) ComposeOptions {
	return ComposeOptions{
		Filename: file, Stack: stack, WorkDir: "/srv/project",
		Builtins: slices.Collect(maps.Values(catalog.Builtin())),
	}
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

func instanceNames(st core.Stack) []string {
	var out []string
	for _, i := range st.Instances {
		out = append(out, i.Name)
	}
	return out
}
