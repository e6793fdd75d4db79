package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// perServiceShop switches the seeded stack to per-service mode, applies
// it whole, then changes both instances: api and db each have a pending
// update, and neither depends on the other.
func perServiceShop(e *testEnv) {
	e.t.Helper()
	e.changeStack("shop", func(st *core.Stack) { st.ComposeMode = core.ComposeModePerService })
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		e.t.Fatalf("first apply: %+v", job)
	}
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			st.Instances[i].Overrides.Env = map[string]core.EnvVar{"MARK": {Value: st.Instances[i].Name + "-v2"}}
		}
	})
}

// Two targeted applies of disjoint instances of a per-service stack run at
// the same time (each is inside compose up while the other is), each
// holding its own instance under the shared stack lock; an apply that
// overlaps either, or one of the whole stack, is refused naming the
// holder; both commit, and the snapshot holds both instances as applied.
func TestConcurrentDisjointTargetedApplies(t *testing.T) {
	e := newTestEnv(t)
	perServiceShop(e)
	// The network is gone: both applies find it missing.
	if err := e.rt.RemoveNetwork(t.Context(), core.NetworkName("shop")); err != nil {
		t.Fatal(err)
	}

	arrived := make(chan string, 2)
	proceed := make(chan struct{})
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		arrived <- "up"
		select {
		case <-proceed:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("fake: the other targeted apply never ran beside this one")
		}
	}
	start := func(target string) api.Job {
		t.Helper()
		rec := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{Targets: []string{target}})
		if rec.Code != http.StatusOK {
			t.Fatalf("apply --target %s: %d %s", target, rec.Code, rec.Body.String())
		}
		return decodeBody[api.Job](t, rec)
	}
	jobAPI, jobDB := start("api"), start("db")
	for range 2 {
		select {
		case <-arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("the two targeted applies did not both reach compose up")
		}
	}

	view := decodeBody[api.LockView](t, e.do("GET", "/v1/stacks/shop/lock", nil))
	var held [][]string
	for _, h := range view.Holders {
		if h.Exclusive || h.Operation != "apply" {
			t.Errorf("holder %+v; want a shared apply holder", h)
		}
		held = append(held, h.Instances)
	}
	if !slices.EqualFunc(held, [][]string{{"api"}, {"db"}}, slices.Equal) {
		t.Errorf("lock holders hold %v; want [api] and [db]", held)
	}
	rec := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{Targets: []string{"api"}})
	if er := wantError(t, rec, http.StatusLocked, api.CodeLocked); !strings.Contains(er.Message, "apply (job "+jobAPI.ID+") of instance(s) api") || er.Lock == nil || er.Lock.JobID != jobAPI.ID {
		t.Errorf("overlapping apply refused with %+v; want the api holder named", er)
	}
	rec = e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{})
	wantError(t, rec, http.StatusLocked, api.CodeLocked)
	close(proceed)

	for _, id := range []string{jobAPI.ID, jobDB.ID} {
		if j := e.waitJob(id); j.State != api.JobSucceeded {
			t.Fatalf("job %s: %+v", id, j)
		}
	}
	ap, _ := e.applied("shop")
	for _, inst := range []string{"api", "db"} {
		if got := markOf(ap.Desired, inst); got != inst+"-v2" {
			t.Errorf("the snapshot holds %s with MARK %q; want its new env", inst, got)
		}
	}
	if p, _ := e.plan("shop", api.PlanRequest{}); len(p.Changes) != 0 {
		t.Errorf("after both applies, plan = %s; want nothing pending", changeList(p))
	}
	if _, err := os.Stat(filepath.Join(e.s.filesDir("shop"), "db", "etc", "tdb", "tdb.conf")); err != nil {
		t.Errorf("db's config file: %v", err)
	}
	e.rt.mu.Lock()
	networks, dups := e.rt.networks[core.NetworkName("shop")], e.rt.dupNetworks
	e.rt.mu.Unlock()
	if !networks || dups != 0 {
		t.Errorf("stack network present %v, created twice %d times; want it created once", networks, dups)
	}
	if len(e.s.Locks.Holders("shop")) != 0 {
		t.Errorf("locks left: %+v", e.s.Locks.Holders("shop"))
	}
}

// A saved targeted plan of a per-service stack stays fresh when another
// instance is applied after it was made, and its apply keeps what that
// apply recorded; a stack-mode one does not.
func TestSavedScopedPlanAfterOtherApply(t *testing.T) {
	e := newTestEnv(t)
	perServiceShop(e)
	saved, _ := e.plan("shop", api.PlanRequest{Targets: []string{"db"}, Save: true})
	if _, job := e.apply("shop", api.ApplyRequest{Targets: []string{"api"}}); job.State != api.JobSucceeded {
		t.Fatalf("apply --target api: %+v", job)
	}
	rec, job := e.apply("shop", api.ApplyRequest{PlanID: saved.ID})
	if rec.Code != http.StatusOK || job.State != api.JobSucceeded {
		t.Fatalf("the saved db plan after api's apply: %d %s %+v", rec.Code, rec.Body.String(), job)
	}
	ap, _ := e.applied("shop")
	for _, inst := range []string{"api", "db"} {
		if got := markOf(ap.Desired, inst); got != inst+"-v2" {
			t.Errorf("the snapshot holds %s with MARK %q; want its new env", inst, got)
		}
	}

	// In stack mode the whole project goes up: the same sequence is stale.
	e.changeStack("shop", func(st *core.Stack) { st.ComposeMode = "" })
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("switch back: %+v", job)
	}
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			st.Instances[i].Overrides.Env = map[string]core.EnvVar{"MARK": {Value: st.Instances[i].Name + "-v3"}}
		}
	})
	saved, _ = e.plan("shop", api.PlanRequest{Targets: []string{"db"}, Save: true})
	if _, job := e.apply("shop", api.ApplyRequest{Targets: []string{"api"}}); job.State != api.JobSucceeded {
		t.Fatalf("apply --target api: %+v", job)
	}
	rec, _ = e.apply("shop", api.ApplyRequest{PlanID: saved.ID})
	wantError(t, rec, http.StatusConflict, api.CodeStalePlan)
}

// markOf is instance inst's MARK in d ("" when d lacks it).
func markOf(d core.Desired, inst string) string {
	if svc, ok := d.Service(inst); ok {
		return svc.Env["MARK"].Value
	}
	return ""
}
