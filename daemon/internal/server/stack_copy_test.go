package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestStackCopy copies a stack with a secret inside the daemon: the answer
// is redacted, the stored copy holds the secret and the shifted port, and a
// refused copy stores nothing.
func TestStackCopy(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/db", core.InstanceUpdate{
		Overrides: core.Overrides{Env: map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: srvSecret, Secret: true}}},
		Mask:      []string{"env"}}), http.StatusOK)

	res := e.do("POST", "/v1/stacks/shop/copy", api.StackCopyRequest{Name: "shop2", PortOffset: 1})
	body := res.Body.String()
	noSecrets(t, "copy answer", body)
	srvOK[core.Stack](t, res, http.StatusCreated)
	stored := e.stored("shop2")
	if !strings.Contains(stored, srvSecret) {
		t.Error("the stored copy lacks the secret")
	}
	if !strings.Contains(stored, `"host":15433`) {
		t.Errorf("the stored copy's db port is not shifted to 15433:\n%s", stored)
	}
	if strings.Contains(e.stored("shop"), "15433") {
		t.Error("the source stack changed")
	}

	for _, tc := range []struct {
		name   string
		src    string
		req    api.StackCopyRequest
		status int
		code   api.Code
		field  string
	}{
		{"existing destination", "shop", api.StackCopyRequest{Name: "shop2"}, http.StatusConflict, api.CodeConflict, ""},
		{"port out of range", "shop", api.StackCopyRequest{Name: "shop3", PortOffset: 60000}, http.StatusBadRequest, api.CodeInvalid, "instances.api.ports"},
		{"both port flags", "shop", api.StackCopyRequest{Name: "shop3", PortOffset: 1, NoPorts: true}, http.StatusBadRequest, api.CodeInvalid, "port_offset"},
		{"bad name", "shop", api.StackCopyRequest{Name: "Shop_3"}, http.StatusBadRequest, api.CodeInvalid, ""},
		{"unknown source", "nope", api.StackCopyRequest{Name: "shop3"}, http.StatusNotFound, api.CodeNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := srvErr(t, e.do("POST", "/v1/stacks/"+tc.src+"/copy", tc.req), tc.status, tc.code)
			if tc.field != "" && !hasField(got, tc.field) {
				t.Errorf("fields = %+v, want %s", got.Fields, tc.field)
			}
			if _, err := e.s.storedStack("shop3"); err == nil {
				t.Error("a refused copy stored shop3")
			}
		})
	}

	t.Run("duplicate without ports", func(t *testing.T) {
		// api imports db's type: a second provider needs api wired first.
		srvOK[api.WiresView](t, e.do("POST", "/v1/stacks/shop/wires", core.Wire{Consumer: "api", Import: "db", Provider: "db"}), http.StatusOK)
		srvErr(t, e.do("POST", "/v1/stacks/shop/instances/db/duplicate", api.NameRequest{Name: "db2"}),
			http.StatusBadRequest, api.CodeInvalid) // publishes db's host port
		dup := srvOK[api.RenamedInstance](t, e.do("POST", "/v1/stacks/shop/instances/db/duplicate",
			api.NameRequest{Name: "db2", NoPorts: true}), http.StatusCreated)
		if dup.Overrides.Ports == nil || len(*dup.Overrides.Ports) != 0 {
			t.Errorf("duplicate's ports = %+v, want an empty override", dup.Overrides.Ports)
		}
	})
	t.Run("rename refuses port flags", func(t *testing.T) {
		srvErr(t, e.do("POST", "/v1/stacks/shop/instances/api/rename", api.NameRequest{Name: "web", PortOffset: 1}),
			http.StatusBadRequest, api.CodeInvalid)
	})
}
