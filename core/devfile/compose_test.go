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

// TestComposeWebDBCache: every service gets a template of its own holding
// exactly what the file says; a catalog image adds its contracts and
// nothing else; depends_on is kept with its conditions and injects no env.
func TestComposeWebDBCache(t *testing.T) {
	ci, err := importCompose(t, "web-db-cache.yml", "shop")
	if err != nil {
		t.Fatal(err)
	}
	st := ci.Stack
	if names := instanceNames(st); !slices.Equal(names, []string{"cache", "db", "web"}) {
		t.Fatalf("instances = %v", names)
	}
	tpls := map[string]core.Template{}
	for _, tp := range ci.Templates {
		tpls[tp.Name] = tp
	}
	for _, in := range st.Instances {
		if set := in.Overrides.Set(); in.Template != "shop-"+in.Name || in.Name == "cache" && set != nil {
			t.Errorf("instance %s = %+v; want its own template", in.Name, in)
		}
	}
	db := tpls["shop-db"]
	if db.Image != "docker.io/library/postgres:15" || len(db.Exports) != 1 || db.Exports[0].Type != core.ContractPostgres {
		t.Errorf("db template = %+v; want the file's image and the catalog's postgres contract", db)
	}
	wantEnv := map[string]core.EnvVar{"POSTGRES_USER": {Value: "shop"}, "POSTGRES_PASSWORD": {Value: "hunter2-db", Secret: true}, "POSTGRES_DB": {Value: "shop"}}
	if !maps.Equal(db.Env, wantEnv) {
		t.Errorf("db env = %+v, want exactly the file's %+v", db.Env, wantEnv)
	}
	if db.Volumes != nil || db.Restart != "" || db.Ports != nil {
		t.Errorf("db template = %+v", db)
	}
	// named volumes are the instance's, so they keep the file's names
	dbi, _ := st.Instance("db")
	if v := dbi.Overrides.Volumes; v == nil || len(*v) != 1 || (*v)[0] != (core.Volume{Source: "pgdata", Target: "/var/lib/postgresql/data"}) {
		t.Errorf("db volumes = %+v", v)
	}
	if h := db.Healthcheck; h == nil || h.Test[0] != "CMD-SHELL" || h.Interval.String() != "2s" {
		t.Errorf("db healthcheck = %+v", h)
	}
	cache := tpls["shop-cache"]
	if cache.Healthcheck != nil || cache.Restart != "" || cache.Ports != nil || cache.Env != nil || cache.Command != nil || cache.Volumes != nil {
		t.Errorf("cache template = %+v; the catalog's settings must not come in", cache)
	}
	web := tpls["shop-web"]
	if web.Image != "registry.example.com/shop/web:2.1" || web.Ports[0] != (core.Port{HostIP: "127.0.0.1", Host: 8080, Container: 8080}) {
		t.Errorf("web template = %+v", web)
	}
	if !web.Env["SESSION_SECRET"].Secret || web.Env["LOG_LEVEL"].Secret {
		t.Errorf("secret detection: %+v", web.Env)
	}
	if web.Healthcheck == nil || web.Healthcheck.Retries != 3 || web.Imports != nil || st.Wires != nil {
		t.Errorf("web template = %+v, wires %+v; want its healthcheck and no imports or wires", web, st.Wires)
	}
	in, _ := st.Instance("web")
	wantDeps := map[string]core.DependsOn{"db": {Condition: core.ConditionHealthy}, "cache": {}}
	if !maps.Equal(in.Overrides.DependsOn, wantDeps) {
		t.Errorf("web depends_on = %+v, want %+v", in.Overrides.DependsOn, wantDeps)
	}
	all := builtins(t)
	maps.Copy(all, tpls)
	if err := core.ValidateStack(st, all); err != nil {
		t.Errorf("imported stack does not validate: %v", err)
	}
	d, err := core.Build(st, all)
	if err != nil {
		t.Fatalf("imported stack does not build: %v", err)
	}
	w, _ := d.Service("web")
	wantWired := []core.Dependency{{Instance: "cache", Condition: core.ConditionStarted}, {Instance: "db", Condition: core.ConditionHealthy, Healthy: true}}
	if !slices.Equal(w.DependsOn, wantWired) || len(w.InjectedEnv) != 0 || len(w.Env) != 2 {
		t.Errorf("web depends_on = %+v, injected %v, env %v", w.DependsOn, w.InjectedEnv, w.Env)
	}
}

// TestComposeCustomProvider: a service of no catalog image exports nothing
// and its consumers import nothing; the fragment still carries tmpfs.
func TestComposeCustomProvider(t *testing.T) {
	ci, err := importCompose(t, "worker-queue.yml", "jobs")
	if err != nil {
		t.Fatal(err)
	}
	var metrics, worker, queue core.Template
	for _, tp := range ci.Templates {
		switch tp.Name {
		case "jobs-metrics":
			metrics = tp
		case "jobs-worker":
			worker = tp
		case "jobs-queue":
			queue = tp
		}
	}
	if len(metrics.Exports) != 0 || len(worker.Imports) != 0 {
		t.Errorf("metrics exports = %+v, worker imports %+v; want none", metrics.Exports, worker.Imports)
	}
	// The catalog's amqp contract builds its URL from RABBITMQ_DEFAULT_*,
	// which the file does not set: it is not offered, and that is said.
	if queue.Image != "docker.io/library/rabbitmq:3-management" || len(queue.Exports) != 0 || queue.Env != nil {
		t.Errorf("queue = %+v", queue)
	}
	if !hasWarning(ci.Warnings, "services.queue", "amqp", "not offered") || len(ci.Warnings) != 1 {
		t.Errorf("warnings = %q", ci.Warnings)
	}
	if !slices.Equal(worker.Command, []string{"worker", "--concurrency", "4"}) {
		t.Errorf("worker = %+v", worker)
	}
	w, _ := ci.Stack.Instance("worker")
	if len(w.Overrides.DependsOn) != 2 {
		t.Errorf("worker depends_on = %+v", w.Overrides.DependsOn)
	}
	m, _ := ci.Stack.Instance("metrics")
	if !strings.Contains(m.Overrides.Compose, "tmpfs:\n  - /scratch\n") {
		t.Errorf("the tmpfs mount should be carried over in the compose fragment: %q", m.Overrides.Compose)
	}
}

func TestComposeErrors(t *testing.T) {
	_, err := importCompose(t, "web-db-cache.yml", "Bad_Name")
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
