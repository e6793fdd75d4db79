package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// --target naming a disabled instance with no container: plan says it is
// disabled, apply refuses it on field target with the hint to enable it.
// While its container runs, targeting it removes the container as before.
func TestTargetDisabledInstance(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			if st.Instances[i].Name == "api" {
				st.Instances[i].Enabled = false
			}
		}
	})
	if p, _ := e.plan("shop", api.PlanRequest{Targets: []string{"api"}}); changeList(p) != "api:delete" {
		t.Fatalf("plan of a disabled running api = %s; want api:delete", changeList(p))
	}
	if _, job := e.apply("shop", api.ApplyRequest{Targets: []string{"api"}}); job.State != api.JobSucceeded {
		t.Fatalf("targeted apply removing api: %+v", job)
	}

	p, _ := e.plan("shop", api.PlanRequest{Targets: []string{"api"}})
	if len(p.Changes) != 0 || !strings.Contains(strings.Join(p.Warnings, "\n"), "instance api is disabled") {
		t.Errorf("plan = %+v; want no changes and a warning that api is disabled", p)
	}
	rec, _ := e.apply("shop", api.ApplyRequest{Targets: []string{"api"}})
	er := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	if len(er.Fields) != 1 || er.Fields[0].Field != "target" || !strings.Contains(er.Message, "instance api is disabled") ||
		!strings.Contains(er.Fields[0].Hint, "instance set shop api --enable") {
		t.Errorf("error = %+v; want field target, api disabled, hint instance set --enable", er)
	}
}
