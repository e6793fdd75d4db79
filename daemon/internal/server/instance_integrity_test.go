package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestRenameThenAddRefusesSharedVolume: after `instance rename S pg pg2`
// pg2 keeps pg-postgres-data; a new instance pg of the same template would
// inherit that volume too (two servers on one data directory). The add is
// refused naming the volume and pg2, and nothing changes; so is duplicating
// pg2 back as pg. Sharing a volume both instances set on purpose is
// accepted.
func TestRenameThenAddRefusesSharedVolume(t *testing.T) {
	e := newSrvEnv(t)
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "s"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/s/instances", api.InstanceAddRequest{Name: "pg", Template: "postgres"}), http.StatusCreated)
	got := srvOK[api.RenamedInstance](t, e.do("POST", "/v1/stacks/s/instances/pg/rename", api.NameRequest{Name: "pg2"}), http.StatusOK)
	if len(got.KeptVolumes) != 1 || got.KeptVolumes[0] != "pg-postgres-data" {
		t.Fatalf("kept volumes = %v, want [pg-postgres-data]", got.KeptVolumes)
	}

	for _, disabled := range []bool{false, true} {
		before := e.stored("s")
		apiErr := srvErr(t, e.do("POST", "/v1/stacks/s/instances", api.InstanceAddRequest{Name: "pg", Template: "postgres", Disabled: disabled}),
			http.StatusBadRequest, api.CodeInvalid)
		var rule string
		for _, f := range apiErr.Fields {
			if f.Field == "instances.pg.volumes[0]" {
				rule = f.Rule
			}
		}
		for _, want := range []string{"volume pg-postgres-data is also mounted by instance pg2", "kept it when renamed", "--volume"} {
			if !strings.Contains(rule, want) {
				t.Errorf("disabled=%v: rule %q lacks %q (fields %+v)", disabled, rule, want, apiErr.Fields)
			}
		}
		if after := e.stored("s"); after != before {
			t.Errorf("refused add changed the stack:\n%s\n%s", before, after)
		}
	}

	// Duplicating pg2 back under the old name would share it the same way.
	before := e.stored("s")
	apiErr := srvErr(t, e.do("POST", "/v1/stacks/s/instances/pg2/duplicate", api.NameRequest{Name: "pg"}), http.StatusBadRequest, api.CodeInvalid)
	if !hasField(apiErr, "instances.pg.volumes[0]") || !strings.Contains(apiErr.Fields[0].Rule, "pg-postgres-data") {
		t.Errorf("fields = %+v, want instances.pg.volumes[0] naming pg-postgres-data", apiErr.Fields)
	}
	if e.stored("s") != before {
		t.Error("refused duplicate changed the stack")
	}

	// Under another name the new instance gets its own volume.
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/s/instances", api.InstanceAddRequest{Name: "pg3", Template: "postgres"}), http.StatusCreated)
	// Pointing pg3 at pg2's volume with --volume is sharing on purpose,
	// since pg2 sets it too.
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/s/instances/pg3", core.InstanceUpdate{
		Overrides: core.Overrides{
			Volumes: &[]core.Volume{{Source: "pg-postgres-data", Target: "/var/lib/postgresql/data"}},
		},
		Mask: []string{"volumes"},
	}), http.StatusOK)
	// Resetting pg3's volumes brings back its own scoped volume.
	srvOK[api.InstanceView](t, e.do("POST", "/v1/stacks/s/instances/pg3/reset", api.ResetRequest{Fields: []string{"volumes"}}), http.StatusOK)
	// pg2 naming the volume pg3 inherits is refused, on pg3.
	before = e.stored("s")
	apiErr = srvErr(t, e.do("PATCH", "/v1/stacks/s/instances/pg2", core.InstanceUpdate{
		Overrides: core.Overrides{
			Volumes: &[]core.Volume{{Source: "pg3-postgres-data", Target: "/var/lib/postgresql/data"}},
		},
		Mask: []string{"volumes"},
	}), http.StatusBadRequest, api.CodeInvalid)
	if !hasField(apiErr, "instances.pg3.volumes[0]") {
		t.Errorf("fields = %+v, want instances.pg3.volumes[0]", apiErr.Fields)
	}
	if e.stored("s") != before {
		t.Error("refused set changed the stack")
	}
}

// Secret values of the template-secret tests.
const (
	plainSetSecret  = "plain-set-pw-4417"
	plainFileSecret = "plain-set-file-8812"
)

// TestPlainEnvOfSecretKeyNeverPrinted: POSTGRES_PASSWORD is secret in
// template xdb; setting it with a plain --env (Secret false) stores it
// secret, and instance show, stack show and the default export never print
// it. Data stored before (a plain flag in the store) is redacted too.
func TestPlainEnvOfSecretKeyNeverPrinted(t *testing.T) {
	views := func(e *srvEnv, stack string) map[string]string {
		e.t.Helper()
		out := map[string]string{}
		for what, rec := range map[string]func() string{
			"instance show": func() string {
				return e.do("GET", "/v1/stacks/"+stack+"/instances/db", nil).Body.String()
			},
			"instance show --effective": func() string {
				return e.do("GET", "/v1/stacks/"+stack+"/instances/db?effective=1", nil).Body.String()
			},
			"stack show": func() string { return e.do("GET", "/v1/stacks/"+stack, nil).Body.String() },
			"export": func() string {
				return srvOK[api.FileView](e.t, e.do("POST", "/v1/stacks/"+stack+"/export", api.ExportRequest{}), http.StatusOK).Content
			},
		} {
			out[what] = rec()
		}
		return out
	}
	check := func(t *testing.T, e *srvEnv, stack string) {
		t.Helper()
		for what, text := range views(e, stack) {
			for _, v := range []string{plainSetSecret, plainFileSecret} {
				if strings.Contains(text, v) {
					t.Errorf("%s prints secret %q:\n%s", what, v, text)
				}
			}
		}
	}

	t.Run("set with plain flags", func(t *testing.T) {
		e := newSrvEnv(t)
		e.stack("shop")
		rec := e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{
			Overrides: core.Overrides{
				Env:   map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: plainSetSecret}, "POSTGRES_DB": {Value: "shop"}},
				Files: map[string]core.ConfigFile{"/etc/xdb/secret.conf": {Content: plainFileSecret}},
			},
			Mask: []string{"env", "files"},
		})
		view := srvOK[api.InstanceView](t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), plainSetSecret) || strings.Contains(rec.Body.String(), plainFileSecret) {
			t.Errorf("instance set answer prints the secret:\n%s", rec.Body.String())
		}
		if v := view.Instance.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != core.Redacted {
			t.Errorf("override in the answer = %+v, want secret and redacted", v)
		}
		if v := view.Instance.Overrides.Env["POSTGRES_DB"]; v.Secret || v.Value != "shop" {
			t.Errorf("a key the template does not mark secret = %+v, want plain", v)
		}
		st := storedStack(t, e, "shop")
		db, _ := st.Instance("db")
		if v := db.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != plainSetSecret {
			t.Errorf("stored override = secret %v, want secret with the value", v.Secret)
		}
		if f := db.Overrides.Files["/etc/xdb/secret.conf"]; !f.Sensitive {
			t.Error("stored file override over a sensitive template file is not sensitive")
		}
		check(t, e, "shop")
	})

	// Data stored before overrides inherited the flags got them from schema
	// migration 3 (store/migrate_v3.go, tested there). A template replaced
	// to make a key secret marks the overrides already set for it.
	t.Run("template replaced to mark them secret", func(t *testing.T) {
		e := newSrvEnv(t)
		e.stack("shop")
		xdb := srvTemplates()[0]
		plain := xdb
		plain.Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "pw"}, "POSTGRES_USER": {Value: "app"}}
		plain.Files = []core.ConfigFile{{Target: "/etc/xdb/secret.conf", Content: "x"}}
		srvOK[api.TemplateStored](t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: plain, Replace: true}), http.StatusOK)
		srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{
			Overrides: core.Overrides{
				Env:   map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: plainSetSecret}},
				Files: map[string]core.ConfigFile{"/etc/xdb/secret.conf": {Content: plainFileSecret}},
			},
			Mask: []string{"env", "files"},
		}), http.StatusOK)
		st := storedStack(t, e, "shop")
		db, _ := st.Instance("db")
		if db.Overrides.Env["POSTGRES_PASSWORD"].Secret || db.Overrides.Files["/etc/xdb/secret.conf"].Sensitive {
			t.Fatalf("overrides of a plain template stored secret: %+v", db.Overrides)
		}
		srvOK[api.TemplateStored](t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: xdb, Replace: true}), http.StatusOK)
		st = storedStack(t, e, "shop")
		db, _ = st.Instance("db")
		if !db.Overrides.Env["POSTGRES_PASSWORD"].Secret || !db.Overrides.Files["/etc/xdb/secret.conf"].Sensitive {
			t.Errorf("replacing the template left the flags plain: %+v", db.Overrides)
		}
		if v := db.Overrides.Env["POSTGRES_PASSWORD"].Value; v != plainSetSecret {
			t.Errorf("stored value = %q, want the value set", v)
		}
		check(t, e, "shop")
	})

	t.Run("imported devarch.yml", func(t *testing.T) {
		e := newSrvEnv(t)
		file := "version: 1\nstack:\n  name: imp\ninstances:\n  db:\n    template: postgres\n    env:\n      POSTGRES_PASSWORD: " + plainSetSecret + "\n"
		srvOK[api.ImportResult](t, e.do("POST", "/v1/import", api.ImportRequest{Content: file}), http.StatusCreated)
		imp := storedStack(t, e, "imp")
		db, _ := imp.Instance("db")
		if v := db.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != plainSetSecret {
			t.Errorf("imported override = %+v, want secret", v.Secret)
		}
		check(t, e, "imp")
	})
}

// storedStack reads stack name as stored.
func storedStack(t *testing.T, e *srvEnv, name string) core.Stack {
	t.Helper()
	var st core.Stack
	if err := json.Unmarshal([]byte(e.stored(name)), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// wiringTemplates are a second postgres provider without host ports and a
// consumer with an optional redis import.
var wiringTemplates = []core.Template{
	{Name: "xpg", Image: "docker.io/library/postgres:16",
		Exports: []core.Export{{Name: "pg", Type: core.ContractPostgres, Port: 5432}}},
	{Name: "xopt", Image: "docker.io/library/nginx:1.27",
		Imports: []core.Import{{Name: "cache", Type: core.ContractRedis, Optional: true}}},
}

// TestInstanceSetWiringGuard: instance set --enable/--disable and reset go
// through the wiring guard of instance add and rm: an edit that leaves an
// import that had a provider without one a plan accepts is refused with the
// wiring errors and changes nothing; warnings come with the answer.
func TestInstanceSetWiringGuard(t *testing.T) {
	enable, disable := ptrTo(true), ptrTo(false)
	tests := []struct {
		name     string
		setup    func(e *srvEnv)
		path     string // instance URL under /v1/stacks/shop/instances/
		method   string
		body     any
		refused  string // error message part; "" means accepted
		hint     string // part of the refusal's hint
		diag     string // part of a diagnostic (refused) or warning (accepted)
		unwarned bool   // accepted without warnings
	}{
		{"enabling a second provider makes an import ambiguous", func(e *srvEnv) {
			e.add("db2", "xpg", true)
		}, "db2", "PATCH", core.InstanceUpdate{Enabled: enable},
			"enabling instance db2 would break the wiring of stack shop", "wire those imports explicitly first", "db2", false},
		{"enabling a second provider with the import wired explicitly", func(e *srvEnv) {
			e.add("db2", "xpg", true)
			e.wire("api", "db", "db")
		}, "db2", "PATCH", core.InstanceUpdate{Enabled: enable}, "", "", "", true},
		{"disabling the only provider of a required import", nil,
			"db", "PATCH", core.InstanceUpdate{Enabled: disable},
			"disabling instance db would break the wiring of stack shop", "give those imports another provider first", "api", false},
		{"disabling the explicitly wired provider", func(e *srvEnv) {
			e.wire("api", "db", "db")
			e.add("db2", "xpg", false)
		}, "db", "PATCH", core.InstanceUpdate{Enabled: disable},
			"disabling instance db would break the wiring of stack shop", "give those imports another provider first", "disabled", false},
		{"disabling the provider of an optional import warns", func(e *srvEnv) {
			e.add("web", "xopt", false)
			e.add("cache", "xcache", false)
		}, "cache", "PATCH", core.InstanceUpdate{Enabled: disable}, "", "", "cache", false},
		{"disabling a consumer", nil, "api", "PATCH", core.InstanceUpdate{Enabled: disable}, "", "", "", true},
		{"disabling an unused provider", func(e *srvEnv) {
			e.wire("api", "db", "db")
			e.add("db2", "xpg", false)
		}, "db2", "PATCH", core.InstanceUpdate{Enabled: disable}, "", "", "", true},
		{"reset exports makes a provider again", func(e *srvEnv) {
			e.add("db2", "xpg", true)
			srvOK[api.InstanceView](e.t, e.do("PATCH", "/v1/stacks/shop/instances/db2", core.InstanceUpdate{Overrides: core.Overrides{Exports: &[]core.Export{}}, Mask: []string{"exports"}}), http.StatusOK)
			srvOK[api.InstanceView](e.t, e.do("PATCH", "/v1/stacks/shop/instances/db2", core.InstanceUpdate{Enabled: ptrTo(true)}), http.StatusOK)
		}, "db2/reset", "POST", api.ResetRequest{Fields: []string{"exports"}},
			"resetting instance db2 would break the wiring of stack shop", "wire those imports explicitly first", "db2", false},
		{"set exports takes the provider away", nil, "db", "PATCH", core.InstanceUpdate{Overrides: core.Overrides{Exports: &[]core.Export{}}, Mask: []string{"exports"}},
			"changing instance db would break the wiring of stack shop", "give those imports another provider first", "api", false},
		// Another image is stored, with a warning naming the stranded
		// consumer; plan then names the exports to redeclare.
		{"another image alone", nil, "db", "PATCH", core.InstanceUpdate{Overrides: core.Overrides{Image: ptrTo("ghcr.io/example/pg-fork:16")}, Mask: []string{"image"}}, "", "", "api cannot be wired to db", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSrvEnv(t)
			for _, tpl := range wiringTemplates {
				e.putTemplate(tpl)
			}
			e.stack("shop")
			if tt.setup != nil {
				tt.setup(e)
			}
			before := e.stored("shop")
			rec := e.do(tt.method, "/v1/stacks/shop/instances/"+tt.path, tt.body)
			if tt.refused != "" {
				apiErr := srvErr(t, rec, http.StatusConflict, api.CodeConflict)
				if !strings.Contains(apiErr.Message, tt.refused) || !strings.Contains(apiErr.Hint, tt.hint) {
					t.Errorf("error = %q hint %q, want %q and hint %q", apiErr.Message, apiErr.Hint, tt.refused, tt.hint)
				}
				if !hasDiag(apiErr.Diagnostics, core.SeverityError, tt.diag) {
					t.Errorf("diagnostics = %+v, want an error mentioning %q", apiErr.Diagnostics, tt.diag)
				}
				if after := e.stored("shop"); after != before {
					t.Errorf("refused edit changed the stack:\n%s\n%s", before, after)
				}
				return
			}
			view := srvOK[api.InstanceView](t, rec, http.StatusOK)
			if tt.unwarned && len(view.Warnings) > 0 {
				t.Errorf("warnings = %+v, want none", view.Warnings)
			}
			if tt.diag != "" && !hasDiag(view.Warnings, core.SeverityWarning, tt.diag) {
				t.Errorf("warnings = %+v, want one mentioning %q", view.Warnings, tt.diag)
			}
			if e.stored("shop") == before {
				t.Error("accepted edit changed nothing")
			}
		})
	}
}

func hasDiag(ds []core.Diagnostic, sev core.Severity, part string) bool {
	for _, d := range ds {
		if d.Severity == sev && strings.Contains(d.Instance+" "+d.Message+" "+d.Hint, part) {
			return true
		}
	}
	return false
}

// add adds instance name of tpl to stack shop.
func (e *srvEnv) add(name, tpl string, disabled bool) {
	e.t.Helper()
	srvOK[core.Instance](e.t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: name, Template: tpl, Disabled: disabled}), http.StatusCreated)
}

// wire wires consumer.imp to provider in stack shop.
func (e *srvEnv) wire(consumer, imp, provider string) {
	e.t.Helper()
	srvOK[api.WiresView](e.t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: consumer, Import: imp, Provider: provider}), http.StatusOK)
}
