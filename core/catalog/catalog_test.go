package catalog

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/devarch-dev/devarch/core"
)

func TestBuiltinsValidate(t *testing.T) {
	for name, tpl := range Builtin() {
		t.Run(name, func(t *testing.T) {
			if err := core.ValidateTemplate(tpl); err != nil {
				t.Fatalf("ValidateTemplate: %v", err)
			}
			if !tpl.Builtin {
				t.Error("Builtin flag not set")
			}
			if tpl.Healthcheck == nil || len(tpl.Healthcheck.Test) < 2 {
				t.Errorf("healthcheck = %+v", tpl.Healthcheck)
			}
			if len(tpl.Exports) == 0 {
				t.Error("no exports")
			}
			if tpl.Description == "" {
				t.Error("no description")
			}
		})
	}
}

func TestExportEnvRenders(t *testing.T) {
	for name, tpl := range Builtin() {
		env := map[string]string{}
		for k, v := range tpl.Env {
			env[k] = v.Value
		}
		for _, e := range tpl.Exports {
			for k, text := range e.Env {
				t.Run(name+"/"+e.Name+"/"+k, func(t *testing.T) {
					tt, err := template.New(k).Option("missingkey=error").Parse(text)
					if err != nil {
						t.Fatal(err)
					}
					var b strings.Builder
					data := core.ExportData{Host: core.ContainerName("shop", "db"), Port: e.Port, Instance: "db", Stack: "shop", Env: env}
					if err := tt.Execute(&b, data); err != nil {
						t.Fatal(err)
					}
					if out := b.String(); out == "" || strings.Contains(out, "<no value>") || strings.Contains(out, "{{") {
						t.Errorf("rendered %q", out)
					}
				})
			}
		}
	}
}

func TestPostgresExport(t *testing.T) {
	pg, ok := Get("postgres")
	if !ok {
		t.Fatal("no postgres")
	}
	if pg.Image != "docker.io/library/postgres:16-alpine" {
		t.Errorf("image = %q", pg.Image)
	}
	if pw := pg.Env["POSTGRES_PASSWORD"]; !pw.Secret || pw.Value == "" {
		t.Errorf("POSTGRES_PASSWORD = %+v, want a secret default", pw)
	}
	if len(pg.Exports) != 1 || pg.Exports[0].Type != core.ContractPostgres || pg.Exports[0].Port != 5432 {
		t.Fatalf("exports = %+v", pg.Exports)
	}
	want := []string{"DATABASE_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"}
	if got := slices.Sorted(maps.Keys(pg.Exports[0].Env)); !slices.Equal(got, want) {
		t.Errorf("export env keys = %v, want %v", got, want)
	}
	if pg.Healthcheck.Test[0] != "CMD-SHELL" || !strings.HasPrefix(pg.Healthcheck.Test[1], "pg_isready") {
		t.Errorf("healthcheck = %v", pg.Healthcheck.Test)
	}
}

func TestCatalogContents(t *testing.T) {
	want := map[string]struct {
		image   string
		exports []core.ContractType
	}{
		"mailpit":  {"docker.io/axllent/mailpit:v1.20", []core.ContractType{core.ContractSMTP, core.ContractHTTP}},
		"mariadb":  {"docker.io/library/mariadb:11", []core.ContractType{core.ContractMySQL}},
		"mongodb":  {"docker.io/library/mongo:7", []core.ContractType{core.ContractMongoDB}},
		"mysql":    {"docker.io/library/mysql:8.4", []core.ContractType{core.ContractMySQL}},
		"nginx":    {"docker.io/library/nginx:1.27-alpine", []core.ContractType{core.ContractHTTP}},
		"postgres": {"docker.io/library/postgres:16-alpine", []core.ContractType{core.ContractPostgres}},
		"rabbitmq": {"docker.io/library/rabbitmq:3-management-alpine", []core.ContractType{core.ContractAMQP}},
		"redis":    {"docker.io/library/redis:7-alpine", []core.ContractType{core.ContractRedis}},
	}
	got := Builtin()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("templates = %v", slices.Sorted(maps.Keys(got)))
	}
	for name, w := range want {
		tpl := got[name]
		if tpl.Image != w.image {
			t.Errorf("%s image = %q, want %q", name, tpl.Image, w.image)
		}
		var types []core.ContractType
		for _, e := range tpl.Exports {
			types = append(types, e.Type)
		}
		if !slices.Equal(types, w.exports) {
			t.Errorf("%s exports %v, want %v", name, types, w.exports)
		}
	}
	ng := got["nginx"]
	if len(ng.Imports) != 1 || ng.Imports[0].Name != "upstream" || ng.Imports[0].Type != core.ContractHTTP || !ng.Imports[0].Optional {
		t.Errorf("nginx imports = %+v", ng.Imports)
	}
	if env := got["redis"].Exports[0].Env; env["REDIS_URL"] == "" {
		t.Errorf("redis export env = %v", env)
	}
	if env := got["rabbitmq"].Exports[0].Env; env["AMQP_URL"] == "" {
		t.Errorf("rabbitmq export env = %v", env)
	}
	if env := got["mailpit"].Exports[0].Env; env["SMTP_HOST"] == "" || env["SMTP_PORT"] == "" {
		t.Errorf("mailpit smtp env = %v", env)
	}
}

func TestNamesSorted(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) || len(names) < 8 {
		t.Errorf("Names() = %v", names)
	}
	if _, ok := Get("nope"); ok {
		t.Error("Get(nope) found a template")
	}
}

func TestBuiltinIndependentCopies(t *testing.T) {
	a := Builtin()
	pg := a["postgres"]
	pg.Env["POSTGRES_DB"] = core.EnvVar{Value: "changed"}
	pg.Ports[0].Container = 1
	pg.Healthcheck.Test[0] = "NONE"
	pg.Exports[0].Env["DATABASE_URL"] = "changed"
	a["redis"] = core.Template{}

	b := Builtin()
	if b["postgres"].Env["POSTGRES_DB"].Value != "app" || b["postgres"].Ports[0].Container != 5432 ||
		b["postgres"].Healthcheck.Test[0] != "CMD-SHELL" || b["postgres"].Exports[0].Env["DATABASE_URL"] == "changed" {
		t.Errorf("a change to one result leaked into the next: %+v", b["postgres"])
	}
	if b["redis"].Name != "redis" {
		t.Error("redis missing from a fresh Builtin()")
	}
	g, ok := Get("postgres")
	if !ok || g.Env["POSTGRES_DB"].Value != "app" || g.Healthcheck.Test[0] != "CMD-SHELL" {
		t.Errorf("Get returned a changed template: %+v", g)
	}
	g.Volumes[0].Source = "changed"
	if h, _ := Get("postgres"); h.Volumes[0].Source == "changed" {
		t.Error("a change to Get's result leaked into the next")
	}
	if _, ok := Get("nope"); ok {
		t.Error("Get found a template that does not exist")
	}
}

func BenchmarkBuiltin(b *testing.B) {
	for b.Loop() {
		_ = Builtin()
	}
}
