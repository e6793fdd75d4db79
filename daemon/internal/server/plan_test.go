package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func TestPlanAndApplyRefuseBadRequests(t *testing.T) {
	tests := []struct {
		name string
		path string
		body any
		want string
	}{
		{"negative ttl", "/v1/stacks/shop/plan", map[string]string{"ttl": "-1m"}, "must not be negative"},
		{"negative plan lock timeout", "/v1/stacks/shop/plan", map[string]string{"lock_timeout": "-1s"}, "must not be negative"},
		{"negative apply lock timeout", "/v1/stacks/shop/apply", map[string]string{"lock_timeout": "-1s"}, "must not be negative"},
		{"purge without destroy", "/v1/stacks/shop/apply", api.ApplyRequest{Purge: true}, "purge: only applies to a destroy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			apiErr := wantError(t, e.do("POST", tt.path, tt.body), http.StatusBadRequest, api.CodeInvalid)
			if !strings.Contains(apiErr.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Message, tt.want)
			}
			if u, d := e.rt.counts(); u+d != 0 {
				t.Errorf("runtime called: %d up, %d down", u, d)
			}
		})
	}
}

func TestSavedPlanCarriesLineageSerialHashAndExpiry(t *testing.T) {
	e := newTestEnv(t)
	before := time.Now()
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Save: true, TTL: core.Duration(2 * time.Minute)})
	if rec.Code != http.StatusOK {
		t.Fatalf("plan: %d %s", rec.Code, rec.Body.String())
	}
	var sp store.SavedPlan
	id := decodeBody[planJSON](t, rec).ID
	if err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		sp, err = tx.GetPlan(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p := sp.Plan
	if p.Lineage != "lineage-shop" || p.Serial != 1 || p.StateHash == "" || p.Runtime != "fake compose" {
		t.Errorf("saved plan = lineage %q serial %d hash %q runtime %q", p.Lineage, p.Serial, p.StateHash, p.Runtime)
	}
	if ttl := p.ExpiresAt.Sub(p.CreatedAt); ttl != 2*time.Minute || p.CreatedAt.Before(before.Add(-time.Second)) {
		t.Errorf("created %v expires %v, want 2m later", p.CreatedAt, p.ExpiresAt)
	}
	// The stored plan keeps secret values for apply; the client's copy does not.
	assertNoSecrets(t, "plan response", rec.Body.String())
	if svc, ok := p.Desired.Service("db"); !ok || svc.Env["DB_PASSWORD"].Value != dbPassword {
		t.Errorf("stored plan lost the secret value apply needs")
	}

	unsaved := decodeBody[planJSON](t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}))
	if err := e.s.Store.View(func(tx *store.Tx) error {
		_, err := tx.GetPlan(unsaved.ID)
		return err
	}); !store.IsNotFound(err) {
		t.Errorf("a plan without save was stored: %v", err)
	}
}

func TestDestroyWorksWhenDefinitionNoLongerBuilds(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	e.changeStack("shop", func(st *core.Stack) { st.Instances[0].Template = "gone" })
	wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}), http.StatusBadRequest, api.CodeInvalid)

	_, job := e.apply("shop", api.ApplyRequest{Destroy: true})
	if job.State != api.JobSucceeded || !strings.HasPrefix(job.Summary, "Destroy complete: 2 deleted.") {
		t.Fatalf("destroy = %+v", job)
	}
	if cs, _ := e.rt.Containers(t.Context(), "shop"); len(cs) != 0 {
		t.Errorf("containers left: %v", cs)
	}
}

func TestDestroyPlanAppliedWithoutDestroyFlag(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	p, _ := e.plan("shop", api.PlanRequest{Save: true, Destroy: true})
	_, job := e.apply("shop", api.ApplyRequest{PlanID: p.ID})
	if job.Operation != "destroy" || job.State != api.JobSucceeded {
		t.Fatalf("job = %+v, want a succeeded destroy", job)
	}

	q, _ := e.plan("shop", api.PlanRequest{Save: true})
	apiErr := wantError(t, e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{PlanID: q.ID, Destroy: true}),
		http.StatusConflict, api.CodeStalePlan)
	if !strings.Contains(apiErr.Message, "does not destroy") {
		t.Errorf("message = %q", apiErr.Message)
	}
}

// A compose fragment compose would refuse is refused when stored (instance
// set) and by plan (data stored before), naming the field, not at apply.
func TestInvalidFragmentRefusedAtSetAndPlan(t *testing.T) {
	const bad = "mem_limit: lots\n"
	t.Run("instance set", func(t *testing.T) {
		e := newSrvEnv(t)
		e.stack("shop")
		before := e.stored("shop")
		got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{Overrides: core.Overrides{Compose: bad}, Mask: []string{"compose"}}),
			http.StatusBadRequest, api.CodeInvalid)
		if !hasField(got, "instances.api.compose") || !strings.Contains(got.Message, "mem_limit") {
			t.Errorf("error = %+v; want field instances.api.compose naming mem_limit", got)
		}
		if e.stored("shop") != before {
			t.Error("refused fragment changed the stack")
		}
		srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api",
			core.InstanceUpdate{Overrides: core.Overrides{Compose: "mem_limit: 256m\n"}, Mask: []string{"compose"}}), http.StatusOK)
	})
	t.Run("plan", func(t *testing.T) {
		e := newTestEnv(t)
		e.changeStack("shop", func(st *core.Stack) { st.Instances[0].Overrides.Compose = bad })
		rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{})
		got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
		if !hasField(got, "instances.api.compose") {
			t.Errorf("plan error = %+v; want field instances.api.compose", got)
		}
		rec, _ = e.apply("shop", api.ApplyRequest{})
		wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
		if ups, _ := e.rt.counts(); ups != 0 {
			t.Errorf("runtime got %d up(s)", ups)
		}
		// A destroy does not need a definition that generates.
		if rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true}); rec.Code != http.StatusOK {
			t.Errorf("destroy plan: %d %s", rec.Code, rec.Body)
		}
	})
}

// apply --lock-timeout 0 plans with LockNoWait: a held lock fails the plan
// at once instead of after the daemon's default plan wait.
func TestPlanLockNoWait(t *testing.T) {
	e := newTestEnv(t)
	release, err := e.s.Locks.Acquire(context.Background(), api.LockInfo{Stack: "shop", Operation: "apply", Exclusive: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{LockNoWait: true})
	wantError(t, rec, http.StatusLocked, api.CodeLocked)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("plan with LockNoWait took %s; want it refused at once", d)
	}
	// Without it a zero timeout is the daemon's default wait (cut short
	// here by releasing the lock).
	done := make(chan int)
	go func() { done <- e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}).Code }()
	select {
	case code := <-done:
		t.Fatalf("plan without LockNoWait answered %d at once; want it to wait", code)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	if code := <-done; code != http.StatusOK {
		t.Errorf("plan after the lock was released: %d", code)
	}
}
