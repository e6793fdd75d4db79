package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestBuildInjection(t *testing.T) {
	db := inst("db", "postgres")
	db.Overrides.Env = map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "s3cr$t", Secret: true}}
	st := Stack{
		Name: "shop", Lineage: "lin-1", Serial: 7,
		Instances: []Instance{inst("web", "web"), db, inst("cache", "redis"), disabled(inst("old", "web"))},
	}
	d, err := Build(st, wiringTemplates())
	if err != nil {
		t.Fatal(err)
	}
	if d.Stack != "shop" || d.Lineage != "lin-1" || d.Serial != 7 {
		t.Errorf("header = %s %s %d", d.Stack, d.Lineage, d.Serial)
	}
	var names []string
	for _, s := range d.Services {
		names = append(names, s.Instance)
	}
	if !slices.Equal(names, []string{"cache", "db", "old", "web"}) {
		t.Errorf("services = %v", names)
	}
	if !slices.Equal(d.Order, []string{"cache", "db", "web"}) {
		t.Errorf("order = %v", d.Order)
	}
	web, _ := d.Service("web")

	t.Run("host port and credentials from the provider's effective env", func(t *testing.T) {
		want := map[string]EnvVar{
			"DATABASE_URL": {Value: "postgres://app:s3cr$t@devarch-shop-db:5432/app", Secret: true},
			"DB_HOST":      {Value: "devarch-shop-db"},
			"DB_PORT":      {Value: "5432"},
			"DB_USER":      {Value: "app"},
			"DB_PASSWORD":  {Value: "s3cr$t", Secret: true},
			"REDIS_URL":    {Value: "redis://devarch-shop-cache:6379"},
		}
		for k, v := range want {
			if web.Env[k] != v {
				t.Errorf("web env %s = %+v, want %+v", k, web.Env[k], v)
			}
		}
		if len(web.Env) != len(want) {
			t.Errorf("web env has %d keys, want %d", len(web.Env), len(want))
		}
		if !slices.Equal(web.InjectedEnv, []string{"DATABASE_URL", "DB_HOST", "DB_PASSWORD", "DB_PORT", "DB_USER", "REDIS_URL"}) {
			t.Errorf("injected = %v", web.InjectedEnv)
		}
	})
	t.Run("depends_on healthy vs started", func(t *testing.T) {
		want := []Dependency{{Instance: "cache", Healthy: false}, {Instance: "db", Healthy: true}}
		if !slices.Equal(web.DependsOn, want) {
			t.Errorf("depends_on = %+v, want %+v", web.DependsOn, want)
		}
	})
	t.Run("wires recorded as automatic", func(t *testing.T) {
		if len(d.Wires) != 2 || !d.Wires[0].Auto || !d.Wires[1].Auto {
			t.Errorf("wires = %+v", d.Wires)
		}
	})
	t.Run("disabled instance has no wiring", func(t *testing.T) {
		old, _ := d.Service("old")
		if old.Enabled || len(old.Env) != 0 || len(old.DependsOn) != 0 || len(old.InjectedEnv) != 0 {
			t.Errorf("old = %+v", old)
		}
	})
	t.Run("provider is untouched", func(t *testing.T) {
		p, _ := d.Service("db")
		if p.Env["POSTGRES_PASSWORD"] != (EnvVar{Value: "s3cr$t", Secret: true}) || len(p.InjectedEnv) != 0 {
			t.Errorf("db = %+v", p.Env)
		}
	})
}

func TestBuildPrefixAndOwnEnv(t *testing.T) {
	rep := inst("rep", "report")
	rep.Overrides.Env = map[string]EnvVar{"AUDIT_DB_HOST": {Value: "manual-host"}}
	st := Stack{
		Name:      "blog",
		Instances: []Instance{inst("main", "postgres"), inst("audit", "postgres"), rep},
		Wires:     []Wire{wire("rep", "main", "main"), wire("rep", "audit", "audit")},
	}
	d, err := Build(st, wiringTemplates())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := d.Service("rep")
	if got := r.Env["MAIN_DB_HOST"].Value; got != "devarch-blog-main" {
		t.Errorf("MAIN_DB_HOST = %q", got)
	}
	if got := r.Env["AUDIT_DATABASE_URL"]; got.Value != "postgres://app:tpl-pass@devarch-blog-audit:5432/app" || !got.Secret {
		t.Errorf("AUDIT_DATABASE_URL = %+v", got)
	}
	if got := r.Env["AUDIT_DB_HOST"].Value; got != "manual-host" {
		t.Errorf("consumer's own AUDIT_DB_HOST overridden: %q", got)
	}
	if slices.Contains(r.InjectedEnv, "AUDIT_DB_HOST") {
		t.Errorf("AUDIT_DB_HOST listed as injected")
	}
	if _, ok := r.Env["DB_HOST"]; ok {
		t.Errorf("unprefixed key injected")
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0].Message, "env AUDIT_DB_HOST is set by the instance itself and is kept") {
		t.Errorf("warnings = %v", d.Warnings)
	}
	for _, w := range d.Wires {
		if w.Auto {
			t.Errorf("explicit wire marked auto: %+v", w)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	t.Run("unknown template is a field error", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{inst("db", "postgresql"), inst("web", "web")}}
		_, err := Build(st, wiringTemplates())
		fes := AsFieldErrors(err)
		if len(fes) != 1 || fes[0].Field != "instances.db.template" || !strings.Contains(fes[0].Rule, `unknown template "postgresql"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("wiring errors are diagnostics, all of them", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{inst("web", "web"), inst("web2", "web")}}
		d, err := Build(st, wiringTemplates())
		var de *DiagnosticsError
		if !errors.As(err, &de) || len(de.Diagnostics) != 2 {
			t.Fatalf("err = %v", err)
		}
		if len(d.Unresolved) != 4 || len(d.Warnings) != 2 {
			t.Errorf("partial desired: unresolved %v warnings %v", d.Unresolved, d.Warnings)
		}
	})
	t.Run("cycle is refused", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{inst("a", "svc-a"), inst("b", "svc-b"), inst("c", "svc-c")}}
		_, err := Build(st, wiringTemplates())
		var de *DiagnosticsError
		if !errors.As(err, &de) || len(de.Diagnostics) != 1 || de.Diagnostics[0].Message != "wiring cycle: a -> b -> c -> a" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing env key in an export template", func(t *testing.T) {
		db := inst("db", "postgres")
		db.Overrides.UnsetEnv = []string{"POSTGRES_USER"}
		st := Stack{Name: "shop", Instances: []Instance{db, inst("cache", "redis"), inst("web", "web")}}
		_, err := Build(st, wiringTemplates())
		if err == nil || !strings.Contains(err.Error(), "wire web.db -> db") || !strings.Contains(err.Error(), `"POSTGRES_USER"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("two imports injecting one key", func(t *testing.T) {
		tpls := wiringTemplates()
		r := tpls["report"]
		r.Imports = []Import{{Name: "main", Type: ContractPostgres}, {Name: "audit", Type: ContractPostgres}}
		tpls["report"] = r
		st := Stack{
			Name:      "shop",
			Instances: []Instance{inst("main", "postgres"), inst("audit", "postgres"), inst("rep", "report")},
			Wires:     []Wire{wire("rep", "main", "main"), wire("rep", "audit", "audit")},
		}
		_, err := Build(st, tpls)
		if err == nil || !strings.Contains(err.Error(), "imports audit and main both inject env DATABASE_URL; give one of them a prefix") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("joining its own network", func(t *testing.T) {
		st := Stack{Name: "shop", JoinNetworks: []string{"shop"}}
		_, err := Build(st, wiringTemplates())
		if fes := AsFieldErrors(err); len(fes) != 1 || fes[0].Field != "join_networks[0]" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDependsOnCondition(t *testing.T) {
	tests := []struct {
		name    string
		health  *Healthcheck
		healthy bool
	}{
		{"template healthcheck", nil, true},
		{"override replaces it", &Healthcheck{Test: []string{"CMD", "true"}}, true},
		{"healthcheck disabled with NONE", &Healthcheck{Test: []string{"NONE"}}, false},
		{"empty test", &Healthcheck{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := inst("db", "postgres")
			db.Overrides.Healthcheck = tc.health
			st := Stack{Name: "shop", Instances: []Instance{db, inst("cache", "redis"), inst("web", "web")}}
			d, err := Build(st, wiringTemplates())
			if err != nil {
				t.Fatal(err)
			}
			web, _ := d.Service("web")
			want := []Dependency{{Instance: "cache"}, {Instance: "db", Healthy: tc.healthy}}
			if !slices.Equal(web.DependsOn, want) {
				t.Errorf("depends_on = %+v, want %+v", web.DependsOn, want)
			}
		})
	}
}
