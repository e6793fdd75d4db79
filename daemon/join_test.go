package daemon

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// newJoinEnv is a testEnv that also serves the stack and instance routes.
func newJoinEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	e.s.registerRoutes(e.mux)
	return e
}

// createStack creates stack name joining join, with instances as NAME=TEMPLATE.
func (e *testEnv) createStack(name string, join []string, instances ...string) {
	e.t.Helper()
	if rec := e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: name, JoinNetworks: join}); rec.Code != http.StatusCreated {
		e.t.Fatalf("create stack %s: %d %s", name, rec.Code, rec.Body)
	}
	for _, in := range instances {
		inst, tpl, _ := strings.Cut(in, "=")
		if rec := e.do("POST", "/v1/stacks/"+name+"/instances", api.InstanceAddRequest{Name: inst, Template: tpl}); rec.Code != http.StatusCreated {
			e.t.Fatalf("add instance %s to %s: %d %s", inst, name, rec.Code, rec.Body)
		}
	}
}

// storedJSON is stack name as stored, as JSON, or "missing: ..." when it is not.
func (e *testEnv) storedJSON(name string) string {
	e.t.Helper()
	var out []byte
	err := e.s.Store.View(func(tx *store.Tx) error {
		st, err := tx.GetStack(name)
		if err != nil {
			return err
		}
		out, err = json.Marshal(st)
		return err
	})
	if err != nil {
		return "missing: " + err.Error()
	}
	return string(out)
}

// wantSharedName checks a refusal names both stacks, the instance, the
// network and the rule.
func wantSharedName(t *testing.T, what, msg string, stacks []string, instance, network string) {
	t.Helper()
	for _, want := range append(stacks, `instance "`+instance+`"`, core.NetworkName(network), "instance names must be unique among stacks that share a network", "DNS alias") {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q lacks %q", what, msg, want)
		}
	}
}

// Compose adds a service's name as a DNS alias on every network it joins,
// so a stack joining another's network must not bring an instance name a
// stack on that network has: refused when the join or the instance is
// added, naming both stacks, the instance and the rule; nothing is stored.
func TestJoinRefusesSharedInstanceNames(t *testing.T) {
	e := newJoinEnv(t)
	e.createStack("infra", nil, "db=tdb")

	// shop (api, db) joining infra (db).
	before := e.storedJSON("shop")
	join := []string{"infra"}
	rec := e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &join})
	got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "stack set --join", got.Message, []string{`stack "shop"`, `stack "infra"`}, "db", "infra")
	if len(got.Fields) != 1 || got.Fields[0].Field != "stack.join_networks[0]" || !strings.Contains(got.Fields[0].Hint, "devarch instance rename shop db") {
		t.Errorf("fields = %+v; want stack.join_networks[0] with a rename hint", got.Fields)
	}
	if e.storedJSON("shop") != before {
		t.Error("the refused join was stored")
	}

	// A joiner created empty gets no instance infra has...
	e.createStack("app", []string{"infra"}, "cache=tdb")
	rec = e.do("POST", "/v1/stacks/app/instances", api.InstanceAddRequest{Name: "db", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in the joiner", got.Message, []string{`stack "app"`, `stack "infra"`}, "db", "infra")
	if len(got.Fields) != 1 || got.Fields[0].Field != "instances.db" {
		t.Errorf("fields = %+v; want instances.db", got.Fields)
	}
	// ...infra gets no instance its joiner has...
	rec = e.do("POST", "/v1/stacks/infra/instances", api.InstanceAddRequest{Name: "cache", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in the joined stack", got.Message, []string{`stack "infra"`, `stack "app"`}, "cache", "infra")
	// ...and two stacks joining infra share no name either.
	e.createStack("app2", []string{"infra"})
	rec = e.do("POST", "/v1/stacks/app2/instances", api.InstanceAddRequest{Name: "cache", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in a second joiner", got.Message, []string{`stack "app2"`, `stack "app"`}, "cache", "infra")
	if !strings.Contains(got.Message, `both join the network of stack "infra"`) {
		t.Errorf("message = %q; want it to say both join infra's network", got.Message)
	}
	// Other names are fine, and so is a name of a stack on no shared network.
	e.createStack("lone", nil, "db=tdb")
	if rec := e.do("POST", "/v1/stacks/app2/instances", api.InstanceAddRequest{Name: "queue", Template: "tdb"}); rec.Code != http.StatusCreated {
		t.Errorf("add queue to app2: %d %s", rec.Code, rec.Body)
	}

	// Older data with a clash is refused at plan, naming both stacks.
	e.changeStack("app", func(st *core.Stack) {
		st.Instances = append(st.Instances, core.Instance{Name: "db", Template: "tdb", Enabled: true})
	})
	rec = e.do("POST", "/v1/stacks/app/plan", api.PlanRequest{})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "plan", got.Message, []string{`stack "app"`, `stack "infra"`}, "db", "infra")
	if len(got.Diagnostics) == 0 || got.Diagnostics[0].Instance != "db" || !strings.Contains(got.Diagnostics[0].Hint, "stack set app --no-join") {
		t.Errorf("diagnostics = %+v; want instance db with a --no-join hint", got.Diagnostics)
	}
	rec = e.do("POST", "/v1/stacks/infra/plan", api.PlanRequest{})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "plan of the joined stack", got.Message, []string{`stack "infra"`, `stack "app"`}, "db", "infra")
	if ups, _ := e.rt.counts(); ups != 0 {
		t.Errorf("runtime got %d up(s)", ups)
	}
	// Leaving the network clears it.
	none := []string{}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Errorf("apply after leaving the network: %+v", job)
	}
}

// A stack can join only the network of a stack that exists.
func TestJoinRefusesMissingStack(t *testing.T) {
	e := newJoinEnv(t)
	rec := e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "app", JoinNetworks: []string{"ghost"}})
	got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	if len(got.Fields) != 1 || got.Fields[0].Field != "stack.join_networks[0]" || !strings.Contains(got.Message, `stack "ghost" does not exist`) {
		t.Errorf("create --join ghost: %+v", got)
	}
	if s := e.storedJSON("app"); !strings.HasPrefix(s, "missing") {
		t.Errorf("refused stack stored: %s", s)
	}

	before := e.storedJSON("shop")
	join := []string{"ghost"}
	got = wantError(t, e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &join}), http.StatusBadRequest, api.CodeInvalid)
	if !strings.Contains(got.Message, `stack.join_networks[0]: stack "ghost" does not exist`) {
		t.Errorf("set --join ghost: %+v", got)
	}
	if e.storedJSON("shop") != before {
		t.Error("the refused join was stored")
	}

	// A stored join of a missing stack (older data, an import) fails the plan.
	e.changeStack("shop", func(st *core.Stack) { st.JoinNetworks = []string{"ghost"} })
	got = wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}), http.StatusBadRequest, api.CodeInvalid)
	if !strings.Contains(got.Message, `stack "shop" joins the network of stack "ghost", which does not exist`) {
		t.Errorf("plan: %+v", got)
	}
	// An existing but unapplied stack is a warning: its network comes with its apply.
	e.createStack("infra", nil)
	e.changeStack("shop", func(st *core.Stack) { st.JoinNetworks = []string{"infra"} })
	p, _ := e.plan("shop", api.PlanRequest{})
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "devarch-infra-net of stack infra, which is not applied") {
		t.Errorf("plan warnings = %q; want one saying infra is not applied", p.Warnings)
	}
}

// A stack whose network an applied stack joins cannot be destroyed (the
// network would stay behind, and the destroy would claim it complete), nor
// removed or purged while a stack joins it; the refusal names the joiner
// and the way out.
func TestJoinedStackLifecycle(t *testing.T) {
	e := newJoinEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply shop: %+v", job)
	}
	e.createStack("app", []string{"shop"}, "web=tdb")
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply app: %+v", job)
	}

	check := func(what string, got *api.Error, verb string) {
		t.Helper()
		for _, want := range []string{`cannot ` + verb + ` stack "shop"`, `stack "app" joins its network devarch-shop-net`} {
			if !strings.Contains(got.Message, want) {
				t.Errorf("%s: message %q lacks %q", what, got.Message, want)
			}
		}
		for _, want := range []string{"devarch stack set app --no-join", "devarch apply app", "devarch destroy app"} {
			if !strings.Contains(got.Hint, want) {
				t.Errorf("%s: hint %q lacks %q", what, got.Hint, want)
			}
		}
	}
	check("plan --destroy", wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true}), http.StatusConflict, api.CodeConflict), "destroy")
	rec, _ := e.apply("shop", api.ApplyRequest{Destroy: true})
	check("destroy", wantError(t, rec, http.StatusConflict, api.CodeConflict), "destroy")
	rec, _ = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	check("destroy --purge", wantError(t, rec, http.StatusConflict, api.CodeConflict), "destroy")
	if _, downs := e.rt.counts(); downs != 0 {
		t.Errorf("runtime got %d down(s)", downs)
	}
	if _, ok := e.applied("shop"); !ok {
		t.Error("shop's snapshot is gone")
	}

	// Off the network (definition only): the containers still are on it
	// until app is applied.
	none := []string{}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	check("destroy before app is applied", wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true}), http.StatusConflict, api.CodeConflict), "destroy")
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply app: %+v", job)
	}
	if _, job := e.apply("shop", api.ApplyRequest{Destroy: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy shop once app left its network: %+v", job)
	}

	// A stack joined by a definition only can be destroyed, but not removed.
	join := []string{"shop"}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &join}); rec.Code != http.StatusOK {
		t.Fatalf("join again: %d %s", rec.Code, rec.Body)
	}
	got := wantError(t, e.do("DELETE", "/v1/stacks/shop", nil), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(got.Message, `cannot remove stack "shop": stack "app" joins its network devarch-shop-net`) ||
		!strings.Contains(got.Hint, "devarch stack set app --no-join") {
		t.Errorf("stack rm: %+v", got)
	}
	rec, _ = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	got = wantError(t, rec, http.StatusConflict, api.CodeConflict)
	if !strings.Contains(got.Message, `cannot purge stack "shop": stack "app" joins its network`) {
		t.Errorf("destroy --purge: %+v", got)
	}
	if s := e.storedJSON("shop"); strings.HasPrefix(s, "missing") {
		t.Error("shop was removed")
	}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("DELETE", "/v1/stacks/shop", nil); rec.Code != http.StatusOK {
		t.Errorf("stack rm once nothing joins it: %d %s", rec.Code, rec.Body)
	}
}
