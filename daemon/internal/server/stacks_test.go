package server

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func TestStackCreateListShowRemove(t *testing.T) {
	e := newSrvEnv(t)
	st := srvOK[core.Stack](t, e.do("POST", "/v1/stacks",
		api.StackCreateRequest{Name: "shop", Description: "the shop", Environment: "dev"}), http.StatusCreated)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(st.Lineage) || st.Serial != 1 || st.CreatedAt.IsZero() {
		t.Errorf("created stack = %+v", st)
	}
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "lab"}), http.StatusCreated)

	t.Run("duplicate", func(t *testing.T) {
		srvErr(t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "shop"}), http.StatusConflict, api.CodeConflict)
	})
	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{"", "Shop", "-x", "a_b", strings.Repeat("a", 60)} {
			got := srvErr(t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: name}), http.StatusBadRequest, api.CodeInvalid)
			if !hasField(got, "stack.name") {
				t.Errorf("name %q: fields %+v", name, got.Fields)
			}
		}
	})

	// An applied snapshot shows in ls and blocks rm.
	err := e.s.Store.Update(func(tx *store.Tx) error {
		return tx.PutApplied("shop", store.Applied{Desired: core.Desired{Stack: "shop", Serial: 1}, AppliedAt: time.Now().UTC()}, store.RuntimeBinding{Kind: "docker"})
	})
	if err != nil {
		t.Fatal(err)
	}
	list := srvOK[[]api.StackSummary](t, e.do("GET", "/v1/stacks", nil), http.StatusOK)
	if len(list) != 2 || list[0].Name != "lab" || list[1].Name != "shop" {
		t.Fatalf("ls = %+v", list)
	}
	if list[1].AppliedAt == nil || list[1].AppliedSerial != 1 || list[1].Description != "the shop" || list[0].AppliedAt != nil {
		t.Errorf("ls applied info = %+v", list)
	}

	shown := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
	if shown.Lineage != st.Lineage || shown.Environment != "dev" {
		t.Errorf("show = %+v", shown)
	}
	srvErr(t, e.do("GET", "/v1/stacks/nope", nil), http.StatusNotFound, api.CodeNotFound)

	got := srvErr(t, e.do("DELETE", "/v1/stacks/shop", nil), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(got.Hint, "devarch destroy shop") {
		t.Errorf("rm applied hint = %q", got.Hint)
	}
	srvOK[struct{}](t, e.do("DELETE", "/v1/stacks/lab", nil), http.StatusOK)
	srvErr(t, e.do("GET", "/v1/stacks/lab", nil), http.StatusNotFound, api.CodeNotFound)
	srvErr(t, e.do("DELETE", "/v1/stacks/lab", nil), http.StatusNotFound, api.CodeNotFound)
}

func TestStackShowRedactsSecrets(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{
		Overrides: core.Overrides{
			Env:   map[string]core.EnvVar{"API_TOKEN": {Value: srvSecret, Secret: true}},
			Files: map[string]core.ConfigFile{"/etc/api/key": {Content: srvFileSecret, Sensitive: true}},
		},
		Mask: []string{"env", "files"},
	}), http.StatusOK)
	rec := e.do("GET", "/v1/stacks/shop", nil)
	st := srvOK[core.Stack](t, rec, http.StatusOK)
	noSecrets(t, "stack show", rec.Body.String())
	api, _ := st.Instance("api")
	if api.Overrides.Env["API_TOKEN"].Value != core.Redacted || api.Overrides.Files["/etc/api/key"].Content != core.Redacted {
		t.Errorf("overrides = %+v", api.Overrides)
	}
	noSecrets(t, "daemon log", e.log.String())
}

func TestStackSet(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "infra"}), http.StatusCreated)
	before := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)

	desc, join := "the shop", []string{"infra"}
	st := srvOK[core.Stack](t, e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{Description: &desc, JoinNetworks: &join}), http.StatusOK)
	if st.Description != desc || !slices.Equal(st.JoinNetworks, join) || st.Serial != before.Serial+1 || st.Environment != before.Environment {
		t.Errorf("after set: %+v (before serial %d)", st, before.Serial)
	}
	cfg := srvOK[api.ConfigView](t, e.do("GET", "/v1/stacks/shop/config", nil), http.StatusOK)
	if !strings.Contains(cfg.YAML, "devarch-infra-net") {
		t.Errorf("a joined stack's network should be in the compose project:\n%s", cfg.YAML)
	}

	t.Run("refused changes store nothing", func(t *testing.T) {
		stored := e.stored("shop")
		for _, bad := range [][]string{{"shop"}, {"Bad_Name"}, {"infra", "infra"}} {
			rec := e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &bad})
			e := srvErr(t, rec, http.StatusBadRequest, api.CodeInvalid)
			if !strings.Contains(e.Message, "join_networks") {
				t.Errorf("join %v: error should name the field: %+v", bad, e)
			}
		}
		srvErr(t, e.do("PATCH", "/v1/stacks/ghost", api.StackSetRequest{Description: &desc}), http.StatusNotFound, api.CodeNotFound)
		if e.stored("shop") != stored {
			t.Error("a refused change was stored")
		}
	})

	none := []string{}
	st = srvOK[core.Stack](t, e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &none}), http.StatusOK)
	if st.JoinNetworks != nil {
		t.Errorf("an empty list should join nothing: %v", st.JoinNetworks)
	}
}
