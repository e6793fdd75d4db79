package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestApplyRefusesPrivilegesWithoutConsent: the daemon refuses a plan
// that grants privileges unless the request consents, whatever the client
// checked, both for a plan it computes and a saved one; nothing runs.
func TestApplyRefusesPrivilegesWithoutConsent(t *testing.T) {
	e := newTestEnv(t)
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			if st.Instances[i].Name == "db" {
				st.Instances[i].Overrides.Compose = "privileged: true\ncap_add: [SYS_ADMIN]\n"
			}
		}
	})
	saved, _ := e.plan("shop", api.PlanRequest{Save: true})
	for name, req := range map[string]api.ApplyRequest{
		"computed plan": {},
		"saved plan":    {PlanID: saved.ID},
	} {
		t.Run(name, func(t *testing.T) {
			rec, _ := e.apply("shop", req)
			apiErr := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
			for _, want := range []string{"db: privileged", "db: cap_add SYS_ADMIN", "--allow-privileged"} {
				if !strings.Contains(apiErr.Message+" "+apiErr.Hint, want) {
					t.Errorf("error %q (hint %q) lacks %q", apiErr.Message, apiErr.Hint, want)
				}
			}
			if ups := e.rt.upCalls(); len(ups) != 0 {
				t.Errorf("a refused apply ran compose up: %+v", ups)
			}
		})
	}
	_, job := e.apply("shop", api.ApplyRequest{PlanID: saved.ID, AllowPrivileged: true})
	if job.State != api.JobSucceeded {
		t.Fatalf("apply with consent = %+v, want succeeded", job)
	}
}
