package daemon

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// A changed config file's content must reach the container: the compose
// service the daemon hands the runtime changes (label devarch.files), so
// compose recreates the container instead of leaving it on the old file.
func TestApplyFileContentChangeChangesService(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", job)
	}
	before := e.rt.containers[core.ContainerName("shop", "db")].Labels[compose.LabelFiles]
	if before == "" {
		t.Fatalf("db container has no %s label: %+v", compose.LabelFiles, e.rt.containers)
	}
	apiBefore := e.rt.containers[core.ContainerName("shop", "api")].Labels

	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[1].Overrides.Files = map[string]core.ConfigFile{ // db
			"/etc/tdb/tdb.conf": {Target: "/etc/tdb/tdb.conf", Content: "max_connections=99\n", Mode: 0o640},
		}
	})
	p, _ := e.plan("shop", api.PlanRequest{})
	if len(p.Changes) != 1 || p.Changes[0].Instance != "db" || p.Changes[0].Action != "~" {
		t.Fatalf("plan after a file change = %+v; want ~ db", p.Changes)
	}
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply of the file change: %+v", job)
	}
	after := e.rt.containers[core.ContainerName("shop", "db")].Labels[compose.LabelFiles]
	if after == "" || after == before {
		t.Errorf("db %s label = %q after the file change, was %q; compose would keep the old container", compose.LabelFiles, after, before)
	}
	if got := e.rt.containers[core.ContainerName("shop", "api")].Labels; got[compose.LabelFiles] != apiBefore[compose.LabelFiles] {
		t.Errorf("api (no files) label changed: %v → %v", apiBefore, got)
	}
	// The label is a hash: the sensitive file's content is not in the YAML.
	ups := e.rt.upCalls()
	if last := ups[len(ups)-1].YAML; strings.Contains(last, "cfg-Kx77") {
		t.Errorf("compose YAML holds a sensitive file's content:\n%s", last)
	}
	data, err := os.ReadFile(filepath.Join(e.s.filesDir("shop"), "db", "etc", "tdb", "tdb.conf"))
	if err != nil || string(data) != "max_connections=99\n" {
		t.Errorf("materialized file = %q, %v; want the new content", data, err)
	}
}

// kindRuntimes makes openRuntime hand out one fake runtime per kind, so a
// stack applied on "podman" runs nothing on "docker". A spec without a kind
// is docker.
func kindRuntimes(e *testEnv) map[string]*kindFake {
	fakes := map[string]*kindFake{
		runtime.KindDocker: {fakeRuntime: newFakeRuntime(), kind: runtime.KindDocker},
		runtime.KindPodman: {fakeRuntime: newFakeRuntime(), kind: runtime.KindPodman},
	}
	openRuntime = func(spec api.RuntimeSpec) (runtime.Runtime, api.RuntimeSpec, error) {
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
	ap, ok := e.applied("shop")
	if !ok || ap.Runtime.Kind != runtime.KindPodman {
		t.Fatalf("applied snapshot runtime = %+v (found %v); want kind podman", ap.Runtime, ok)
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
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{})
	check("plan on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec = e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true})
	check("destroy plan on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec, _ = e.apply("shop", api.ApplyRequest{})
	check("apply on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	rec, _ = e.apply("shop", api.ApplyRequest{Destroy: true})
	check("destroy on docker", wantError(t, rec, http.StatusConflict, api.CodeConflict))
	if ups, downs := fakes[runtime.KindDocker].counts(); ups+downs != 0 || len(fakes[runtime.KindDocker].containers) != 0 {
		t.Errorf("docker got %d up(s), %d down(s), containers %v; want none", ups, downs, fakes[runtime.KindDocker].containers)
	}

	// On the runtime it was applied with, nothing changed.
	if p, _ := e.plan("shop", api.PlanRequest{Runtime: podman}); len(p.Changes) != 0 {
		t.Errorf("plan on podman = %+v; want no changes", p.Changes)
	}
	// Destroyed there, the stack can move to docker.
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: podman, Destroy: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy on podman: %+v", job)
	}
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply on docker after the podman destroy: %+v", job)
	}
	if ap, _ := e.applied("shop"); ap.Runtime.Kind != runtime.KindDocker {
		t.Errorf("snapshot runtime = %+v; want docker", ap.Runtime)
	}
}

// A snapshot recorded before the runtime was (no kind) does not bind.
func TestRuntimeUnknownInOldSnapshot(t *testing.T) {
	e := newTestEnv(t)
	kindRuntimes(e)
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: api.RuntimeSpec{Kind: runtime.KindPodman}}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	err := e.s.Store.Update(func(tx *store.Tx) error {
		ap, err := tx.GetApplied("shop")
		if err != nil {
			return err
		}
		ap.Runtime = api.RuntimeSpec{}
		return tx.PutApplied("shop", ap)
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

// A compose fragment compose would refuse is refused when stored (instance
// set) and by plan (data stored before), naming the field, not at apply.
func TestInvalidFragmentRefusedAtSetAndPlan(t *testing.T) {
	const bad = "mem_limit: lots\n"
	t.Run("instance set", func(t *testing.T) {
		e := newSrvEnv(t)
		e.stack("shop")
		before := e.stored("shop")
		got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/api", api.InstanceSetRequest{Compose: ptrTo(bad)}),
			http.StatusBadRequest, api.CodeInvalid)
		if !hasField(got, "instances.api.compose") || !strings.Contains(got.Message, "mem_limit") {
			t.Errorf("error = %+v; want field instances.api.compose naming mem_limit", got)
		}
		if e.stored("shop") != before {
			t.Error("refused fragment changed the stack")
		}
		srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api",
			api.InstanceSetRequest{Compose: ptrTo("mem_limit: 256m\n")}), http.StatusOK)
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
