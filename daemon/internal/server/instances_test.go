package server

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestInstanceAddAndList(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	t.Run("duplicate name", func(t *testing.T) {
		before := e.stored("shop")
		srvErr(t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "db", Template: "xdb"}),
			http.StatusConflict, api.CodeConflict)
		if e.stored("shop") != before {
			t.Error("refused add changed the stack")
		}
	})
	t.Run("unknown template", func(t *testing.T) {
		before := e.stored("shop")
		got := srvErr(t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "x", Template: "nope"}),
			http.StatusBadRequest, api.CodeInvalid)
		if !hasField(got, "template") {
			t.Errorf("fields = %+v", got.Fields)
		}
		if e.stored("shop") != before {
			t.Error("refused add changed the stack")
		}
	})
	t.Run("bad name", func(t *testing.T) {
		got := srvErr(t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "Bad_Name", Template: "xdb"}),
			http.StatusBadRequest, api.CodeInvalid)
		if len(got.Fields) == 0 {
			t.Error("no field named")
		}
	})
	t.Run("unknown stack", func(t *testing.T) {
		srvErr(t, e.do("POST", "/v1/stacks/nope/instances", api.InstanceAddRequest{Name: "x", Template: "xdb"}),
			http.StatusNotFound, api.CodeNotFound)
	})
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances",
		api.InstanceAddRequest{Name: "cache", Template: "xcache", Disabled: true}), http.StatusCreated)
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api",
		core.InstanceUpdate{Overrides: core.Overrides{Tag: ptrTo("1.28"), Ports: &[]core.Port{{Host: 18081, Container: 80}}}, Mask: []string{"ports", "tag"}}), http.StatusOK)

	list := srvOK[[]api.InstanceSummary](t, e.do("GET", "/v1/stacks/shop/instances", nil), http.StatusOK)
	want := []api.InstanceSummary{
		{Name: "api", Template: "xapi", Enabled: true, Image: "docker.io/library/nginx:1.28",
			Ports: []string{"18081:80"}, Overridden: []string{"ports", "tag"}},
		{Name: "cache", Template: "xcache", Enabled: false, Image: "docker.io/library/redis:7"},
		{Name: "db", Template: "xdb", Enabled: true, Image: "docker.io/library/postgres:16", Ports: []string{"15432:5432"}},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("ls =\n%+v\nwant\n%+v", list, want)
	}
}

func TestInstanceSetShowEffective(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	view := srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{
		Overrides: core.Overrides{
			Env:      map[string]core.EnvVar{"MODE": {Value: "prod"}, "TOKEN": {Value: srvSecret, Secret: true}},
			UnsetEnv: []string{"LEVEL"},
			Labels:   map[string]string{"tier": "web"},
			Command:  &[]string{"nginx", "-g", "daemon off;"},
		},
		Mask: []string{"command", "env", "labels", "unset_env"},
	}), http.StatusOK)
	eff := view.Effective
	if eff == nil {
		t.Fatal("PATCH returned no effective config")
	}
	wantEnv := map[string]core.EnvVar{"MODE": {Value: "prod"}, "TOKEN": {Value: core.Redacted, Secret: true}}
	if !reflect.DeepEqual(eff.Env, wantEnv) {
		t.Errorf("effective env = %+v, want %+v", eff.Env, wantEnv)
	}
	if !reflect.DeepEqual(eff.Labels, map[string]string{"team": "a", "tier": "web"}) {
		t.Errorf("effective labels = %+v", eff.Labels)
	}
	if eff.Image != "docker.io/library/nginx:1.27" || len(eff.Command) != 3 || len(eff.Ports) != 1 {
		t.Errorf("effective = %+v", eff)
	}

	rec := e.do("GET", "/v1/stacks/shop/instances/db?effective=1", nil)
	db := srvOK[api.InstanceView](t, rec, http.StatusOK)
	noSecrets(t, "instance show", rec.Body.String())
	if db.Effective == nil || db.Effective.Env["POSTGRES_PASSWORD"].Value != core.Redacted ||
		db.Effective.Files[0].Content != core.Redacted {
		t.Errorf("db effective = %+v", db.Effective)
	}
	plain := srvOK[api.InstanceView](t, e.do("GET", "/v1/stacks/shop/instances/db", nil), http.StatusOK)
	if plain.Effective != nil {
		t.Error("show without effective=1 returned the effective config")
	}
	srvErr(t, e.do("GET", "/v1/stacks/shop/instances/nope", nil), http.StatusNotFound, api.CodeNotFound)
}

func TestInstanceSetValidationChangesNothing(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	tests := []struct {
		name  string
		inst  string
		req   core.InstanceUpdate
		field string
	}{
		{"port out of range", "api", core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{{Host: 70000, Container: 80}}}, Mask: []string{"ports"}}, "instances.api.ports[0]"},
		{"host port taken in stack", "api", core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{{Host: 15432, Container: 80}}}, Mask: []string{"ports"}}, ""},
		{"relative file target", "api", core.InstanceUpdate{Overrides: core.Overrides{Files: map[string]core.ConfigFile{"etc/x": {Content: "x"}}}, Mask: []string{"files"}}, ""},
		{"unset unknown env", "api", core.InstanceUpdate{Overrides: core.Overrides{UnsetEnv: []string{"NOPE"}}, Mask: []string{"unset_env"}}, "unset_env[0]"},
		{"bad image", "db", core.InstanceUpdate{Overrides: core.Overrides{Image: ptrTo("postgres")}, Mask: []string{"image"}}, ""},
		{"redaction placeholder", "db", core.InstanceUpdate{Overrides: core.Overrides{Env: map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: core.Redacted, Secret: true}}}, Mask: []string{"env"}}, "env.POSTGRES_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.stored("shop")
			got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/"+tt.inst, tt.req), http.StatusBadRequest, api.CodeInvalid)
			if len(got.Fields) == 0 || (tt.field != "" && !hasField(got, tt.field)) {
				t.Errorf("fields = %+v, want %q", got.Fields, tt.field)
			}
			if after := e.stored("shop"); after != before {
				t.Errorf("refused set changed the stack:\n%s\n%s", before, after)
			}
		})
	}
}

// TestInstanceSetMask: the mask names what changes; a path it does not
// know, or a value it does not name, is refused naming the path.
func TestInstanceSetMask(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	for _, tt := range []struct {
		name, body, field, rule string
	}{
		{"unknown path", `{"domains":["a.test"],"mask":["domains","domain"]}`, "mask[1]", `unknown field "domain"`},
		{"value outside the mask", `{"user":"app","restart":"always","mask":["restart"]}`, "user", `add "user" to the mask`},
		{"no mask at all", `{"image":"docker.io/library/nginx:1.28"}`, "image", `add "image" to the mask`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.stored("shop")
			got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/api", tt.body), http.StatusBadRequest, api.CodeInvalid)
			i := slices.IndexFunc(got.Fields, func(fe *core.FieldError) bool { return fe.Field == tt.field })
			if i < 0 || !strings.Contains(got.Fields[i].Rule, tt.rule) {
				t.Errorf("fields = %+v, want %s: ...%s...", got.Fields, tt.field, tt.rule)
			}
			if e.stored("shop") != before {
				t.Error("refused set changed the stack")
			}
		})
	}
	// A masked field without a value drops the override, as reset does.
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api",
		`{"user":"app","mask":["user"]}`), http.StatusOK)
	view := srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api",
		`{"mask":["user"]}`), http.StatusOK)
	if view.Instance.Overrides.User != nil {
		t.Errorf("user override = %q, want none", *view.Instance.Overrides.User)
	}
}

func TestHealthcheckFieldsBuildWholeObject(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	view := srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{
		Overrides: core.Overrides{Healthcheck: &core.Healthcheck{Interval: core.Duration(30 * time.Second)}},
		Mask:      []string{"healthcheck.interval"},
	}), http.StatusOK)
	want := &core.Healthcheck{Test: []string{"CMD", "pg_isready"}, Interval: core.Duration(30 * time.Second), Retries: 3}
	if !reflect.DeepEqual(view.Instance.Overrides.Healthcheck, want) {
		t.Errorf("override = %+v, want %+v", view.Instance.Overrides.Healthcheck, want)
	}
	view = srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{
		Overrides: core.Overrides{Healthcheck: &core.Healthcheck{Test: []string{"NONE"}}},
		Mask:      []string{"healthcheck"},
	}), http.StatusOK)
	if hc := view.Effective.Healthcheck; hc == nil || !slices.Equal(hc.Test, []string{"NONE"}) {
		t.Errorf("disabled healthcheck = %+v", hc)
	}
}

func TestInstanceReset(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{
		Overrides: core.Overrides{
			Env:      map[string]core.EnvVar{"A": {Value: "1"}, "B": {Value: "2"}},
			UnsetEnv: []string{"LEVEL"},
			Labels:   map[string]string{"x": "y"},
			User:     ptrTo("app"),
		},
		Mask: []string{"env", "labels", "unset_env", "user"},
	}), http.StatusOK)
	view := srvOK[api.InstanceView](t, e.do("POST", "/v1/stacks/shop/instances/api/reset",
		api.ResetRequest{Fields: []string{"env.A", "env.LEVEL", "user"}}), http.StatusOK)
	o := view.Instance.Overrides
	if o.User != nil || len(o.Env) != 1 || o.Env["B"].Value != "2" || o.UnsetEnv != nil || o.Labels["x"] != "y" {
		t.Errorf("after reset overrides = %+v", o)
	}
	if view.Effective.Env["LEVEL"].Value != "info" {
		t.Errorf("LEVEL not inherited again: %+v", view.Effective.Env)
	}
	before := e.stored("shop")
	got := srvErr(t, e.do("POST", "/v1/stacks/shop/instances/api/reset", api.ResetRequest{Fields: []string{"labels", "bogus"}}),
		http.StatusBadRequest, api.CodeInvalid)
	if !hasField(got, "fields[1]") {
		t.Errorf("fields = %+v", got.Fields)
	}
	if e.stored("shop") != before {
		t.Error("refused reset changed the stack")
	}
}

func TestInstanceRenameDuplicateRemove(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "db2", Template: "xdb", Disabled: true}), http.StatusCreated)
	srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: "api", Import: "db", Provider: "db"}), http.StatusOK)
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{
		Overrides: core.Overrides{
			Env:   map[string]core.EnvVar{"TOKEN": {Value: srvSecret, Secret: true}},
			Ports: &[]core.Port{{Host: 18090, Container: 80}},
		},
		Mask: []string{"env", "ports"},
	}), http.StatusOK)

	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances/db/rename", api.NameRequest{Name: "main"}), http.StatusOK)
	st := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
	if _, ok := st.Instance("main"); !ok || len(st.Wires) != 1 || st.Wires[0].Provider != "main" {
		t.Errorf("after rename: instances %+v wires %+v", st.Instances, st.Wires)
	}
	srvErr(t, e.do("POST", "/v1/stacks/shop/instances/main/rename", api.NameRequest{Name: "api"}), http.StatusConflict, api.CodeConflict)

	// Duplicating api copies its overrides; its host port then clashes, so
	// the copy is refused whole and nothing changes.
	before := e.stored("shop")
	srvErr(t, e.do("POST", "/v1/stacks/shop/instances/api/duplicate", api.NameRequest{Name: "api2"}), http.StatusBadRequest, api.CodeInvalid)
	if e.stored("shop") != before {
		t.Error("refused duplicate changed the stack")
	}
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{}}, Mask: []string{"ports"}}), http.StatusOK)
	dup := srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances/api/duplicate", api.NameRequest{Name: "api2"}), http.StatusCreated)
	if dup.Name != "api2" || dup.Overrides.Env["TOKEN"].Value != core.Redacted || dup.Overrides.Ports == nil {
		t.Errorf("duplicate = %+v", dup)
	}
	st = srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
	if len(st.Wires) != 2 || st.Wires[0].Consumer != "api" || st.Wires[1].Consumer != "api2" || st.Wires[1].Provider != "main" {
		t.Errorf("wires after duplicate = %+v", st.Wires)
	}

	srvErr(t, e.do("DELETE", "/v1/stacks/shop/instances/main", nil), http.StatusConflict, api.CodeConflict)
	srvOK[struct{}](t, e.do("DELETE", "/v1/stacks/shop/instances/api2", nil), http.StatusOK)
	srvErr(t, e.do("DELETE", "/v1/stacks/shop/instances/api2", nil), http.StatusNotFound, api.CodeNotFound)
	st = srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
	if len(st.Instances) != 3 || len(st.Wires) != 1 {
		t.Errorf("after rm: %+v %+v", st.Instances, st.Wires)
	}
}
