package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// kindRuntimes makes the service's runtime factory hand out one fake runtime per kind, so a
// stack applied on "podman" runs nothing on "docker". A spec without a kind
// is docker.
func kindRuntimes(e *testEnv) map[string]*kindFake {
	fakes := map[string]*kindFake{
		runtime.KindDocker: {fakeRuntime: newFakeRuntime(), kind: runtime.KindDocker},
		runtime.KindPodman: {fakeRuntime: newFakeRuntime(), kind: runtime.KindPodman},
	}
	e.s.open = func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) {
		if spec.Kind == "" {
			spec.Kind = runtime.KindDocker
		}
		return fakes[spec.Kind], spec, nil
	}
	return fakes
}

type kindFake struct {
	*fakeRuntime
	kind string
}

func (k *kindFake) Kind() string { return k.kind }
func (k *kindFake) Name() string { return k.kind + " (fake)" }

// The runtime a stack was applied with is remembered: planning, applying or
// destroying it on another runtime is refused, naming both and the way out,
// instead of showing every container as drift and running a second copy.
func TestRuntimeBoundToAppliedSnapshot(t *testing.T) {
	e := newTestEnv(t)
	fakes := kindRuntimes(e)
	podman := api.RuntimeSpec{Kind: runtime.KindPodman}
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: podman}); job.State != api.JobSucceeded {
		t.Fatalf("apply on podman: %+v", job)
	}
	_, ok := e.applied("shop")
	if b := e.binding("shop"); !ok || b.Kind != runtime.KindPodman {
		t.Fatalf("runtime binding = %+v (applied snapshot found %v); want kind podman", b, ok)
	}

	check := func(what string, got *api.Error) {
		t.Helper()
		for _, want := range []string{`stack "shop" was applied with runtime podman, not docker`} {
			if !strings.Contains(got.Message, want) {
				t.Errorf("%s: message %q; want %q", what, got.Message, want)
			}
		}
		for _, want := range []string{"--runtime podman", "destroy shop --runtime podman"} {
			if !strings.Contains(got.Hint, want) {
				t.Errorf("%s: hint %q; want %q", what, got.Hint, want)
			}
		}
	}
	docker := api.RuntimeSpec{Kind: runtime.KindDocker}
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Runtime: docker})
	check("plan on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec = e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Runtime: docker, Destroy: true})
	check("destroy plan on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec, _ = e.apply("shop", api.ApplyRequest{Runtime: docker})
	check("apply on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec, _ = e.apply("shop", api.ApplyRequest{Runtime: docker, Destroy: true})
	check("destroy on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	if ups, downs := fakes[runtime.KindDocker].counts(); ups+downs != 0 || len(fakes[runtime.KindDocker].containers) != 0 {
		t.Errorf("docker got %d up(s), %d down(s), containers %v; want none", ups, downs, fakes[runtime.KindDocker].containers)
	}
	// A request that names no runtime follows the one the stack is bound to.
	if p, _ := e.plan("shop", api.PlanRequest{}); len(p.Changes) != 0 || p.RuntimeKind != runtime.KindPodman {
		t.Errorf("plan without a runtime = %+v on %q; want no changes on podman", p.Changes, p.RuntimeKind)
	}

	// On the runtime it was applied with, nothing changed.
	if p, _ := e.plan("shop", api.PlanRequest{Runtime: podman}); len(p.Changes) != 0 {
		t.Errorf("plan on podman = %+v; want no changes", p.Changes)
	}
	// Destroyed there, the stack can move to docker.
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: podman, Destroy: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy on podman: %+v", job)
	}
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: docker}); job.State != api.JobSucceeded {
		t.Fatalf("apply on docker after the podman destroy: %+v", job)
	}
	if b := e.binding("shop"); b.Kind != runtime.KindDocker {
		t.Errorf("runtime binding = %+v; want docker", b)
	}
}

// A snapshot recorded before runtimes were has no binding after schema
// migration 3: it binds to nothing.
func TestRuntimeUnknownInOldSnapshot(t *testing.T) {
	e := newTestEnv(t)
	kindRuntimes(e)
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: api.RuntimeSpec{Kind: runtime.KindPodman}}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	err := e.s.Store.Update(func(tx *store.Tx) error {
		if _, err := tx.GetApplied("shop"); err != nil {
			return err
		}
		return tx.Delete("bindings", "shop") // the bucket of store.RuntimeBinding records
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}); rec.Code != http.StatusOK {
		t.Errorf("plan on docker with a snapshot of unknown runtime: %d %s", rec.Code, rec.Body)
	}
}

// A saved plan applies only on the runtime it was made for.
func TestSavedPlanBoundToRuntime(t *testing.T) {
	e := newTestEnv(t)
	fakes := kindRuntimes(e)
	podman := api.RuntimeSpec{Kind: runtime.KindPodman}
	p, raw := e.plan("shop", api.PlanRequest{Runtime: podman, Save: true})
	if !strings.Contains(raw, `"runtime_kind":"podman"`) {
		t.Errorf("plan JSON does not record its runtime kind:\n%s", raw)
	}
	rec, _ := e.apply("shop", api.ApplyRequest{PlanID: p.ID})
	got := wantError(t, rec, http.StatusConflict, api.CodeStalePlan)
	if want := "plan " + p.ID + " was made for runtime podman, not docker"; got.Message != want {
		t.Errorf("message = %q; want %q", got.Message, want)
	}
	if !strings.Contains(got.Hint, "--runtime podman") || !strings.Contains(got.Hint, "plan shop") {
		t.Errorf("hint = %q; want --runtime podman and `plan shop` again", got.Hint)
	}
	if ups, _ := fakes[runtime.KindDocker].counts(); ups != 0 {
		t.Errorf("docker got %d up(s)", ups)
	}
	if _, job := e.apply("shop", api.ApplyRequest{PlanID: p.ID, Runtime: podman}); job.State != api.JobSucceeded {
		t.Fatalf("apply of the plan on podman: %+v", job)
	}
}
