package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// A targeted apply runs only its targets (and the providers they need
// that never ran), records only them as applied, and leaves the other
// changes for the next plan.
func TestTargetedApply(t *testing.T) {
	e := newTestEnv(t)
	e.changeStack("shop", func(st *core.Stack) {
		st.Instances = append(st.Instances, core.Instance{Name: "db2", Template: "tdb", Enabled: true})
		st.Wires = []core.Wire{{Consumer: "api", Import: "db", Provider: "db", Export: "db"}}
	})

	// api imports db: targeting api takes db in, named; db2 is left out.
	p, raw := e.plan("shop", api.PlanRequest{Targets: []string{"api"}})
	if got := changeList(p); got != "api:create db:create" {
		t.Fatalf("targeted plan changes = %s; want api and db created", got)
	}
	for _, want := range []string{`"targets":["api"]`, `"included":[{"instance":"db","for":"api"}]`, `"left_out":[{"instance":"db2","action":"create"}]`} {
		if !strings.Contains(raw, want) {
			t.Errorf("plan JSON lacks %s:\n%s", want, raw)
		}
	}

	_, job := e.apply("shop", api.ApplyRequest{Targets: []string{"api"}})
	if job.State != api.JobSucceeded || !strings.Contains(job.Summary, "1 pending change(s) left out") {
		t.Fatalf("job = %+v", job)
	}
	ups := e.rt.upCalls()
	if len(ups) != 1 || strings.Contains(ups[0].YAML, "devarch-shop-db2") || !strings.Contains(ups[0].YAML, "devarch-shop-db") {
		t.Fatalf("the targeted apply ran %+v; want api and db, not db2", ups)
	}
	ap, _ := e.applied("shop")
	if _, ok := ap.Desired.Service("db2"); ok {
		t.Error("the applied snapshot records db2, which the targeted apply left out")
	}
	if p, _ := e.plan("shop", api.PlanRequest{}); changeList(p) != "db2:create" {
		t.Errorf("after the targeted apply, plan = %s; want only the change left out", changeList(p))
	}

	// An update of db left out keeps db as applied while db2 is created.
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			if st.Instances[i].Name == "db" {
				st.Instances[i].Overrides.Env = map[string]core.EnvVar{"DB_USER": {Value: "other"}}
			}
		}
	})
	_, job = e.apply("shop", api.ApplyRequest{Targets: []string{"db2"}})
	if job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	ups = e.rt.upCalls()
	if last := ups[len(ups)-1].YAML; strings.Contains(last, "other") {
		t.Errorf("db's pending change went up with a db2-only apply:\n%s", last)
	}
	if p, _ := e.plan("shop", api.PlanRequest{}); changeList(p) != "db:update" {
		t.Errorf("plan = %s; want db's update left out before", changeList(p))
	}
}

func TestTargetRefusals(t *testing.T) {
	e := newTestEnv(t)
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Targets: []string{"nope"}})
	if er := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid); !strings.Contains(er.Message, "nope: no such instance") {
		t.Errorf("error = %+v", er)
	}

	saved, _ := e.plan("shop", api.PlanRequest{Targets: []string{"db"}, Save: true})
	rec, _ = e.apply("shop", api.ApplyRequest{PlanID: saved.ID, Targets: []string{"db"}})
	if er := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid); !strings.Contains(er.Message, "carries its own targets") {
		t.Errorf("error = %+v", er)
	}

	// A saved targeted plan is stale-checked like any other.
	e.changeStack("shop", func(st *core.Stack) { st.Description = "changed" })
	rec, _ = e.apply("shop", api.ApplyRequest{PlanID: saved.ID})
	wantError(t, rec, http.StatusConflict, api.CodeStalePlan)

	fresh, _ := e.plan("shop", api.PlanRequest{Targets: []string{"db"}, Save: true})
	_, job := e.apply("shop", api.ApplyRequest{PlanID: fresh.ID})
	if job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	if ap, _ := e.applied("shop"); len(ap.Desired.Services) != 1 || ap.Desired.Services[0].Instance != "db" {
		t.Errorf("applied services = %+v; want db alone", ap.Desired.Services)
	}
}

func changeList(p planJSON) string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Instance+":"+c.Action)
	}
	return strings.Join(out, " ")
}
