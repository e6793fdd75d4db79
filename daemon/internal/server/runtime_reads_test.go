package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// ps and logs read a stack where it runs: a request naming no runtime kind
// (the CLI without --runtime or DEVARCH_RUNTIME) reads the runtime the stack
// was applied with; one naming another kind is refused as a plan is. stack
// show says which runtime the stack is bound to.
func TestReadsUseBoundRuntime(t *testing.T) {
	e := newJoinEnv(t)
	fakes := kindRuntimes(e)
	show := func() api.StackView {
		t.Helper()
		rec := e.do("GET", "/v1/stacks/shop", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("stack show: %d %s", rec.Code, rec.Body)
		}
		return decodeBody[api.StackView](t, rec)
	}
	if v := show(); v.RuntimeKind != "" || v.Name != "shop" || len(v.Instances) != 2 {
		t.Errorf("stack show before apply = %+v; want the stack and no runtime", v)
	}
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: api.RuntimeSpec{Kind: runtime.KindPodman}}); job.State != api.JobSucceeded {
		t.Fatalf("apply on podman: %+v", job)
	}
	if v := show(); v.RuntimeKind != runtime.KindPodman {
		t.Errorf("stack show runtime_kind = %q; want podman", v.RuntimeKind)
	}
	if rec := e.do("GET", "/v1/stacks/shop", nil); !strings.Contains(rec.Body.String(), `"runtime_kind":"podman"`) {
		t.Errorf("stack show JSON lacks runtime_kind: %s", rec.Body)
	}
	fakes[runtime.KindPodman].logs = []fakeLog{{container: core.ContainerName("shop", "db"), instance: "db", line: "ready"}}

	for _, kind := range []string{"", "podman"} {
		rec := e.do("GET", "/v1/stacks/shop/ps?kind="+kind, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("ps kind=%q: %d %s", kind, rec.Code, rec.Body)
		}
		if cs := decodeBody[[]api.Container](t, rec); len(cs) != 2 {
			t.Errorf("ps kind=%q = %+v; want the 2 podman containers", kind, cs)
		}
		rec = e.do("GET", "/v1/stacks/shop/logs?instance=db&kind="+kind, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"line":"ready"`) {
			t.Errorf("logs kind=%q: %d %s", kind, rec.Code, rec.Body)
		}
	}
	for _, path := range []string{"/v1/stacks/shop/ps?kind=docker", "/v1/stacks/shop/logs?kind=docker"} {
		got := wantError(t, e.do("GET", path, nil), http.StatusConflict, api.CodeConflict)
		if !strings.Contains(got.Message, `stack "shop" was applied with runtime podman, not docker`) || !strings.Contains(got.Hint, "--runtime podman") {
			t.Errorf("%s: %+v", path, got)
		}
	}
	if n := len(fakes[runtime.KindDocker].containers); n != 0 {
		t.Errorf("docker has %d containers", n)
	}

	// Not applied: the runtime asked for (or detected) is read.
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: api.RuntimeSpec{Kind: runtime.KindPodman}, Destroy: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy: %+v", job)
	}
	if rec := e.do("GET", "/v1/stacks/shop/ps?kind=docker", nil); rec.Code != http.StatusOK {
		t.Errorf("ps on docker after the destroy: %d %s", rec.Code, rec.Body)
	}
}
