package daemon

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

	// A second provider makes the import ambiguous: a diagnostic, not a failure.
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", api.InstanceSetRequest{Ports: &[]core.Port{}}), http.StatusOK)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "replica", Template: "xdb"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "cache", Template: "xcache"}), http.StatusCreated)
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
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", api.InstanceSetRequest{Ports: &[]core.Port{}}), http.StatusOK)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/shop/instances", api.InstanceAddRequest{Name: "replica", Template: "xdb"}), http.StatusCreated)
	got := srvErr(t, e.do("GET", "/v1/stacks/shop/config", nil), http.StatusBadRequest, api.CodeInvalid)
	if len(got.Diagnostics) == 0 {
		t.Errorf("no diagnostics in %+v", got)
	}
	srvErr(t, e.do("GET", "/v1/stacks/nope/config", nil), http.StatusNotFound, api.CodeNotFound)
}
