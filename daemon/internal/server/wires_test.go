package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestWires(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")

	v := srvOK[api.WiresView](t, e.do("GET", "/v1/stacks/shop/wires", nil), http.StatusOK)
	if len(v.Wires) != 1 || !v.Wires[0].Auto || v.Wires[0].Provider != "db" || len(v.Explicit) != 0 {
		t.Fatalf("auto wiring = %+v", v)
	}

	// A second provider would make the auto-wired import ambiguous: refused,
	// with the wire command that keeps the current provider.
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{}}, Mask: []string{"ports"}}), http.StatusOK)
	before := e.stored("shop")
	got := srvErr(t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "replica", Template: "xdb"}), http.StatusConflict, api.CodeConflict)
	if len(got.Diagnostics) != 1 || !strings.Contains(got.Diagnostics[0].Message, "replica") || got.Diagnostics[0].Hint != "devarch wire shop api.db db" {
		t.Fatalf("refused add = %+v", got)
	}
	if e.stored("shop") != before {
		t.Fatal("refused add changed the stack")
	}
	// Wired explicitly, the import stays unambiguous when a second provider
	// comes; unwiring it then is a diagnostic of the wiring, not a failure.
	srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: "api", Import: "db", Provider: "db"}), http.StatusOK)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "replica", Template: "xdb"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "cache", Template: "xcache"}), http.StatusCreated)
	srvOK[api.WiresView](t, e.do("DELETE", "/v1/stacks/shop/wires?consumer=api&import=db", nil), http.StatusOK)
	v = srvOK[api.WiresView](t, e.do("GET", "/v1/stacks/shop/wires", nil), http.StatusOK)
	if len(v.Diagnostics) == 0 || v.Diagnostics[0].Severity != core.SeverityError ||
		!strings.Contains(v.Diagnostics[0].Message, "replica") {
		t.Fatalf("ambiguity diagnostics = %+v", v.Diagnostics)
	}

	tests := []struct {
		name  string
		wire  core.Wire
		field string
	}{
		{"unknown consumer", core.Wire{Consumer: "nope", Import: "db", Provider: "db"}, "consumer"},
		{"unknown provider", core.Wire{Consumer: "api", Import: "db", Provider: "nope"}, "provider"},
		{"unknown import", core.Wire{Consumer: "api", Import: "queue", Provider: "db"}, "import"},
		{"type mismatch", core.Wire{Consumer: "api", Import: "db", Provider: "cache"}, "provider"},
		{"self", core.Wire{Consumer: "db", Import: "db", Provider: "db"}, "provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.stored("shop")
			got := srvErr(t, e.do("POST", "/v1/stacks/shop/wires", tt.wire), http.StatusBadRequest, api.CodeInvalid)
			if !hasField(got, tt.field) {
				t.Errorf("fields = %+v, want %s", got.Fields, tt.field)
			}
			if e.stored("shop") != before {
				t.Error("refused wire changed the stack")
			}
		})
	}

	// The import may be left out when only one import fits.
	v = srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: "api", Provider: "replica"}), http.StatusOK)
	if len(v.Explicit) != 1 || v.Explicit[0].Import != "db" || len(v.Wires) != 1 || v.Wires[0].Auto || v.Wires[0].Provider != "replica" {
		t.Fatalf("after wire = %+v", v)
	}
	for _, d := range v.Diagnostics {
		if d.Severity == core.SeverityError {
			t.Errorf("error left after explicit wire: %+v", d)
		}
	}
	v = srvOK[api.WiresView](t, e.do("DELETE", "/v1/stacks/shop/wires?consumer=api&import=db", nil), http.StatusOK)
	if len(v.Explicit) != 0 {
		t.Errorf("after unwire = %+v", v)
	}
	srvErr(t, e.do("DELETE", "/v1/stacks/shop/wires?consumer=api&import=db", nil), http.StatusNotFound, api.CodeNotFound)
}

func TestConfig(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")

	rec := e.do("GET", "/v1/stacks/shop/config", nil)
	cv := srvOK[api.ConfigView](t, rec, http.StatusOK)
	noSecrets(t, "config", rec.Body.String())
	for _, want := range []string{"devarch-shop-db", "devarch-shop-net", core.Redacted} {
		if !strings.Contains(cv.YAML, want) {
			t.Errorf("config lacks %q:\n%s", want, cv.YAML)
		}
	}
	if cv.Project != "devarch-shop" || len(cv.Warnings) != 0 {
		t.Errorf("config view = %+v", cv)
	}
	shown := srvOK[api.ConfigView](t, e.do("GET", "/v1/stacks/shop/config?show_secrets=1", nil), http.StatusOK)
	if !strings.Contains(shown.YAML, srvSecret) {
		t.Error("show_secrets=1 did not show the secret")
	}
	noSecrets(t, "daemon log", e.log.String())

	// A second stack from the same templates publishes the same host ports.
	e.stack("lab")
	cv = srvOK[api.ConfigView](t, e.do("GET", "/v1/stacks/lab/config", nil), http.StatusOK)
	if len(cv.Warnings) != 2 || !strings.Contains(cv.Warnings[0].Message, "stack shop") {
		t.Errorf("cross-stack warnings = %+v", cv.Warnings)
	}

	// Wiring errors block config with diagnostics.
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{}}, Mask: []string{"ports"}}), http.StatusOK)
	srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: "api", Import: "db", Provider: "db"}), http.StatusOK)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "replica", Template: "xdb"}), http.StatusCreated)
	srvOK[api.WiresView](t, e.do("DELETE", "/v1/stacks/shop/wires?consumer=api&import=db", nil), http.StatusOK)
	got := srvErr(t, e.do("GET", "/v1/stacks/shop/config", nil), http.StatusBadRequest, api.CodeInvalid)
	if len(got.Diagnostics) == 0 {
		t.Errorf("no diagnostics in %+v", got)
	}
	srvErr(t, e.do("GET", "/v1/stacks/nope/config", nil), http.StatusNotFound, api.CodeNotFound)
}

// addTemplates stores tpls as user templates through the API.
func (e *srvEnv) addTemplates(tpls ...core.Template) {
	e.t.Helper()
	for _, tpl := range tpls {
		srvOK[api.TemplateStored](e.t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: tpl}), http.StatusCreated)
	}
}

// multiTemplates are a provider with two http exports (and one of another
// type) and a consumer of http.
func multiTemplates() []core.Template {
	return []core.Template{
		{Name: "xmulti", Image: "ghcr.io/example/multi:1", Exports: []core.Export{
			{Name: "web", Type: core.ContractHTTP, Port: 8080, Env: map[string]string{"UP_URL": "http://{{.Host}}:{{.Port}}"}},
			{Name: "admin", Type: core.ContractHTTP, Port: 9000, Env: map[string]string{"UP_URL": "http://{{.Host}}:{{.Port}}/admin"}},
			{Name: "metrics", Type: "x-metrics", Port: 9100},
		}},
		{Name: "xgw", Image: "ghcr.io/example/gw:1", Imports: []core.Import{{Name: "up", Type: core.ContractHTTP}}},
	}
}

func TestWireExport(t *testing.T) {
	e := newSrvEnv(t)
	e.addTemplates(multiTemplates()...)
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "shop"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "p", Template: "xmulti"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "gw", Template: "xgw"}), http.StatusCreated)

	// Automatic wiring never picks one of two exports of the type.
	v := srvOK[api.WiresView](t, e.do("GET", "/v1/stacks/shop/wires", nil), http.StatusOK)
	if len(v.Wires) != 0 || len(v.Diagnostics) != 1 || v.Diagnostics[0].Hint != "devarch wire shop gw.up p.admin" ||
		!strings.Contains(v.Diagnostics[0].Message, "has 2 exports of type http (admin, web)") {
		t.Fatalf("auto wiring of two exports = %+v", v)
	}

	tests := []struct {
		name       string
		wire       core.Wire
		field      string // refused on this field; "" when accepted
		hint       string
		wantImport string
		wantExport string
	}{
		{name: "PROVIDER.EXPORT", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "p.admin"}, wantImport: "up", wantExport: "admin"},
		{name: "export field", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "p", Export: "web"}, wantImport: "up", wantExport: "web"},
		{name: "import inferred from the export", wire: core.Wire{Consumer: "gw", Provider: "p.web"}, wantImport: "up", wantExport: "web"},
		{name: "no export with several of the type", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "p"}, field: "export", hint: "devarch wire shop gw.up p.admin"},
		{name: "unknown export", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "p.nope"}, field: "export"},
		{name: "export of another type", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "p.metrics"}, field: "export"},
		{name: "unknown provider with an export", wire: core.Wire{Consumer: "gw", Import: "up", Provider: "q.web"}, field: "provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("POST", "/v1/stacks/shop/wires", tt.wire)
			if tt.field != "" {
				before := e.stored("shop")
				got := srvErr(t, rec, http.StatusBadRequest, api.CodeInvalid)
				if !hasField(got, tt.field) {
					t.Errorf("fields = %+v, want %s", got.Fields, tt.field)
				}
				if tt.hint != "" && (len(got.Fields) == 0 || got.Fields[0].Hint != tt.hint) {
					t.Errorf("hint = %+v, want %q", got.Fields, tt.hint)
				}
				if e.stored("shop") != before {
					t.Error("refused wire changed the stack")
				}
				return
			}
			v := srvOK[api.WiresView](t, rec, http.StatusOK)
			want := core.Wire{Consumer: "gw", Import: tt.wantImport, Provider: "p", Export: tt.wantExport}
			if len(v.Explicit) != 1 || v.Explicit[0] != want {
				t.Errorf("explicit = %+v, want %+v", v.Explicit, want)
			}
			if len(v.Wires) != 1 || v.Wires[0].Export != tt.wantExport || v.Wires[0].Auto || len(v.Diagnostics) != 0 {
				t.Errorf("wiring = %+v", v)
			}
		})
	}
}

func TestWiringGuard(t *testing.T) {
	// xweb imports a required postgres and an optional redis.
	xweb := core.Template{Name: "xweb", Image: "docker.io/library/nginx:1.27", Imports: []core.Import{
		{Name: "db", Type: core.ContractPostgres}, {Name: "cache", Type: core.ContractRedis, Optional: true},
	}}
	xdbNoExports := srvTemplates()[0]
	xdbNoExports.Exports = nil
	xcacheNoExports := srvTemplates()[2]
	xcacheNoExports.Exports = nil

	type request struct {
		method, path string
		body         any
	}
	rm := func(name string) request { return request{"DELETE", "/v1/stacks/shop/instances/" + name, nil} }
	tests := []struct {
		name   string
		wires  []core.Wire // explicit wires before the edit
		extra  []string    // then more instances of xdb (db2, ...) or xcache (cache2, ...)
		rewire []core.Wire // then these wires
		req    request
		status int
		errs   []string // substrings of the refusal's diagnostics
		hint   string   // of the first diagnostic
		warns  []string // substrings of the answer's warnings
		stored func(t *testing.T, st core.Stack)
	}{
		{
			name: "rm the only auto-wired provider of a required import", req: rm("db"), status: http.StatusConflict,
			errs: []string{"instance web: required import db (postgres) has no provider"},
		},
		{
			name: "rm the only explicitly wired provider of a required import", req: rm("db"), status: http.StatusConflict,
			wires: []core.Wire{{Consumer: "web", Import: "db", Provider: "db"}},
			errs:  []string{"instance web: required import db (postgres) has no provider"},
		},
		{
			name: "rm the auto-wired provider of an optional import warns", req: rm("cache"), status: http.StatusOK,
			warns: []string{"instance web: optional import cache (redis) has no provider: no enabled instance of stack shop exports redis; it stays unwired"},
		},
		{
			name: "rm the explicitly wired provider of an optional import warns and drops the wire", req: rm("cache"), status: http.StatusOK,
			wires: []core.Wire{{Consumer: "web", Import: "cache", Provider: "cache"}},
			warns: []string{"explicit wire web.cache -> cache is removed with instance cache", "optional import cache (redis) has no provider"},
			stored: func(t *testing.T, st core.Stack) {
				if len(st.Wires) != 0 {
					t.Errorf("wires = %+v", st.Wires)
				}
			},
		},
		{
			name: "rm an explicit provider when another one remains says where the import goes", req: rm("db2"), status: http.StatusOK,
			wires: []core.Wire{{Consumer: "web", Import: "db", Provider: "db"}}, extra: []string{"db2"},
			rewire: []core.Wire{{Consumer: "web", Import: "db", Provider: "db2"}},
			warns:  []string{"explicit wire web.db -> db2 is removed with instance db2", "import db (postgres) is now wired automatically to db; it was wired to db2"},
		},
		{
			name: "rm the consumer", req: rm("web"), status: http.StatusOK,
			wires: []core.Wire{{Consumer: "web", Import: "db", Provider: "db"}},
		},
		{
			name: "duplicate a provider an import is auto-wired to", status: http.StatusConflict,
			req:  request{"POST", "/v1/stacks/shop/instances/db/duplicate", api.NameRequest{Name: "db2"}},
			errs: []string{"instance web: import db (postgres) is ambiguous: 2 instances export postgres (db, db2)"}, hint: "devarch wire shop web.db db",
		},
		{
			name: "duplicate a provider an import is explicitly wired to", status: http.StatusCreated,
			req:   request{"POST", "/v1/stacks/shop/instances/db/duplicate", api.NameRequest{Name: "db2"}},
			wires: []core.Wire{{Consumer: "web", Import: "db", Provider: "db"}},
		},
		{
			name: "add a second provider of an optional import", status: http.StatusConflict,
			req:  request{"POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "cache2", Template: "xcache"}},
			errs: []string{"import cache (redis) is ambiguous: 2 instances export redis (cache, cache2)"}, hint: "devarch wire shop web.cache cache",
		},
		{
			name: "template replace drops an export a required auto-wire uses", status: http.StatusConflict,
			req:  request{"POST", "/v1/templates", api.TemplateAddRequest{Template: xdbNoExports, Replace: true}},
			errs: []string{"stack shop, instance web: required import db (postgres) has no provider"},
		},
		{
			name: "template replace drops an export an explicit wire uses", status: http.StatusConflict,
			req:   request{"POST", "/v1/templates", api.TemplateAddRequest{Template: xdbNoExports, Replace: true}},
			wires: []core.Wire{{Consumer: "web", Import: "db", Provider: "db"}},
			errs:  []string{"stack shop, instance web: import db (postgres) is wired to instance db, which exports no postgres contract"},
		},
		{
			name: "template replace drops an export an optional import uses", status: http.StatusOK,
			req:   request{"POST", "/v1/templates", api.TemplateAddRequest{Template: xcacheNoExports, Replace: true}},
			warns: []string{"stack shop, instance web: optional import cache (redis) has no provider"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSrvEnv(t)
			e.addTemplates(xweb)
			srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "shop"}), http.StatusCreated)
			add := func(name, tpl string) {
				srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: name, Template: tpl}), http.StatusCreated)
				if tpl == "xdb" { // free the template's fixed host port for copies
					srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/"+name, core.InstanceUpdate{Overrides: core.Overrides{Ports: &[]core.Port{}}, Mask: []string{"ports"}}), http.StatusOK)
				}
			}
			add("db", "xdb")
			add("cache", "xcache")
			add("web", "xweb")
			for _, w := range tt.wires {
				srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", w), http.StatusOK)
			}
			for _, name := range tt.extra {
				add(name, map[bool]string{true: "xdb", false: "xcache"}[strings.HasPrefix(name, "db")])
			}
			for _, w := range tt.rewire {
				srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", w), http.StatusOK)
			}
			before := e.stored("shop")

			rec := e.do(tt.req.method, tt.req.path, tt.req.body)
			if tt.status == http.StatusConflict {
				got := srvErr(t, rec, tt.status, api.CodeConflict)
				if !strings.Contains(got.Message, "would break the wiring of stack shop") || got.Hint == "" {
					t.Errorf("refusal = %q, hint %q", got.Message, got.Hint)
				}
				checkDiagnostics(t, "errors", got.Diagnostics, tt.errs)
				if tt.hint != "" && (len(got.Diagnostics) == 0 || got.Diagnostics[0].Hint != tt.hint) {
					t.Errorf("diagnostics = %+v, want hint %q", got.Diagnostics, tt.hint)
				}
				if e.stored("shop") != before {
					t.Error("a refused edit changed the stack")
				}
				return
			}
			got := srvOK[struct{ Warnings []core.Diagnostic }](t, rec, tt.status)
			checkDiagnostics(t, "warnings", got.Warnings, tt.warns)
			for _, d := range got.Warnings {
				if d.Severity != core.SeverityWarning {
					t.Errorf("warning %+v has severity %q", d, d.Severity)
				}
			}
			st := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
			if tt.stored != nil {
				tt.stored(t, st)
			}
			v := srvOK[api.WiresView](t, e.do("GET", "/v1/stacks/shop/wires", nil), http.StatusOK)
			for _, d := range v.Diagnostics {
				if d.Severity == core.SeverityError {
					t.Errorf("the stored stack's wiring has an error: %v", d)
				}
			}
		})
	}
}

// checkDiagnostics checks that got holds one diagnostic per want, each
// containing it, in order.
func checkDiagnostics(t *testing.T, what string, got []core.Diagnostic, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %+v, want %q", what, got, want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i].Error(), want[i]) {
			t.Errorf("%s[%d] = %q, want it to contain %q", what, i, got[i].Error(), want[i])
		}
	}
}
