package server

import (
	"net/http"
	"testing"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// TestPlanNoDesired checks that a plan asked without its desired state
// answers the same plan with an empty "desired", and that a saved one
// still stores the whole desired state apply needs.
func TestPlanNoDesired(t *testing.T) {
	e := newTestEnv(t)
	plain := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{})
	brief := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{NoDesired: true, Save: true})
	if plain.Code != http.StatusOK || brief.Code != http.StatusOK {
		t.Fatalf("plan: %d %s / %d %s", plain.Code, plain.Body.String(), brief.Code, brief.Body.String())
	}
	assertNoSecrets(t, "plan response", brief.Body.String())
	full, part := decodeBody[plan.View](t, plain), decodeBody[plan.View](t, brief)
	if len(full.Desired.Desired().Services) == 0 {
		t.Fatal("the plan without no_desired has no desired services")
	}
	if n := len(part.Desired.Desired().Services); n != 0 {
		t.Errorf("the plan with no_desired has %d desired services, want none", n)
	}
	if full.StateHash != part.StateHash || full.Summary != part.Summary || len(full.Changes) != len(part.Changes) {
		t.Errorf("plans differ: hash %s / %s, summary %+v / %+v", full.StateHash, part.StateHash, full.Summary, part.Summary)
	}
	var sp store.SavedPlan
	if err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		sp, err = tx.GetPlan(part.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(sp.Plan.Desired.Services) != len(full.Desired.Desired().Services) {
		t.Errorf("saved plan holds %d desired services, want %d", len(sp.Plan.Desired.Services), len(full.Desired.Desired().Services))
	}
}
