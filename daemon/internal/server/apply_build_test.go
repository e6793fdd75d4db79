package server

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// buildEnv is the test env with instance api building its image from a
// context of its own.
func buildEnv(t *testing.T) (*testEnv, string) {
	e := newTestEnv(t)
	dir := t.TempDir()
	for name, content := range map[string]string{"Dockerfile": "FROM scratch\nCOPY app /app\n", "app": "v1", "lib": "x", ".dockerignore": "tmp\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[0].Overrides.Build = &core.ImageBuild{Context: dir}
	})
	e.rt.setImage("docker.io/library/tdb:1")
	return e, dir
}

// planView plans stack and returns the view.
func (e *testEnv) planView(stack string, req api.PlanRequest) plan.View {
	e.t.Helper()
	rec := e.do("POST", "/v1/stacks/"+stack+"/plan", req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("plan: %d %s", rec.Code, rec.Body.String())
	}
	return decodeBody[plan.View](e.t, rec)
}

func changeOf(v plan.View, inst string) (plan.ResourceChange, bool) {
	i := slices.IndexFunc(v.Changes, func(c plan.ResourceChange) bool { return c.Instance == inst })
	if i < 0 {
		return plan.ResourceChange{}, false
	}
	return v.Changes[i], true
}

// TestApplyBuildsWhatChanged: apply builds an instance's image before it
// runs it and records the digest of its inputs and the image IDs; an
// unchanged context builds nothing; an edited file is a rebuild counted in
// files; an ignored file is no change; apply --build rebuilds anyway.
func TestApplyBuildsWhatChanged(t *testing.T) {
	e, dir := buildEnv(t)
	if c, ok := changeOf(e.planView("shop", api.PlanRequest{}), "api"); !ok || c.Action != plan.Create || !c.Rebuild {
		t.Fatalf("first plan api = %+v", c)
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	if b := e.rt.buildCalls(); len(b) != 1 || !slices.Equal(b[0], []string{"api"}) {
		t.Fatalf("builds = %v; want api once", b)
	}
	if ev := e.eventsText(job.ID); !strings.Contains(ev, "build devarch-shop-api") || !strings.Contains(ev, "#1 building api") {
		t.Errorf("events lack the build and its output:\n%s", ev)
	}
	ap, _ := e.applied("shop")
	if ap.Builds["api"].Sum == "" || ap.Images["api"] == "" || ap.Images["db"] == "" {
		t.Fatalf("applied builds %+v images %+v; want api's digest and both image IDs", ap.Builds, ap.Images)
	}

	if v := e.planView("shop", api.PlanRequest{}); len(v.Changes) != 0 {
		t.Fatalf("plan after apply = %+v; want no changes", v.Changes)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := e.planView("shop", api.PlanRequest{}); len(v.Changes) != 0 {
		t.Fatalf("plan after an ignored file = %+v; want no changes", v.Changes)
	}

	if err := os.WriteFile(filepath.Join(dir, "app"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := e.planView("shop", api.PlanRequest{})
	c, ok := changeOf(v, "api")
	if !ok || len(v.Changes) != 1 || c.Word() != "rebuild" || c.Reason != "build context changed: 1 file" {
		t.Fatalf("plan after an edit = %+v; want only api rebuilt, 1 file", v.Changes)
	}
	before := ap.Images["api"]
	if _, job = e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	if b := e.rt.buildCalls(); len(b) != 2 || !slices.Equal(b[1], []string{"api"}) {
		t.Fatalf("builds = %v", b)
	}
	if ap, _ = e.applied("shop"); ap.Images["api"] == before {
		t.Errorf("image of api still %s after the rebuild", before)
	}
	if v := e.planView("shop", api.PlanRequest{}); len(v.Changes) != 0 {
		t.Fatalf("plan after the rebuild = %+v; want no changes", v.Changes)
	}

	if _, job = e.apply("shop", api.ApplyRequest{Build: true}); job.State != api.JobSucceeded {
		t.Fatalf("apply --build = %+v", job)
	}
	if b := e.rt.buildCalls(); len(b) != 3 {
		t.Errorf("apply --build did not build: %v", b)
	}
	rec := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{Build: true, PlanID: "abc"})
	wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
}

// TestImageMovedIsReplace: an image re-tagged (or pulled) under the same
// name since the apply is a replace naming both IDs.
func TestImageMovedIsReplace(t *testing.T) {
	e, _ := buildEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	ap, _ := e.applied("shop")
	now := e.rt.setImage("docker.io/library/tdb:1")
	c, ok := changeOf(e.planView("shop", api.PlanRequest{}), "db")
	want := "image updated: " + plan.ShortImageID(ap.Images["db"]) + " → " + plan.ShortImageID(now)
	if !ok || c.Action != plan.Replace || c.Reason != want {
		t.Fatalf("db = %+v; want replace (%s)", c, want)
	}
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	if ap, _ = e.applied("shop"); ap.Images["db"] != now {
		t.Errorf("recorded db image %s; want %s", ap.Images["db"], now)
	}
}

// TestBuildFailureFailsAndRollsBack: a failing build fails the job with
// the failing step's output, rolls back, and keeps the old digest.
func TestBuildFailureFailsAndRollsBack(t *testing.T) {
	e, dir := buildEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	old, _ := e.applied("shop")
	if err := os.WriteFile(filepath.Join(dir, "app"), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.rt.mu.Lock()
	e.rt.buildErr = &runtime.ComposeError{Op: "build", Instance: "api", Reason: "build failed: #5 [2/2] RUN make\n#5 0.2 make: *** no rule\nfailed to solve: exit code: 2"}
	e.rt.mu.Unlock()
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobRolledBack || job.Instance != "api" || !strings.Contains(job.Error, "make: *** no rule") {
		t.Fatalf("job = %+v; want rolled back naming api with the step's output", job)
	}
	if ap, _ := e.applied("shop"); ap.Builds["api"].Sum != old.Builds["api"].Sum {
		t.Error("a failed build recorded its digest")
	}
}

// TestPlanRefusesMissingBuildContext: a context gone since it was set
// fails the plan, naming the instance's field and the path.
func TestPlanRefusesMissingBuildContext(t *testing.T) {
	e, dir := buildEnv(t)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	got := wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}), http.StatusBadRequest, api.CodeInvalid)
	if !hasField(got, "instances.api.build.context") || !strings.Contains(fieldRules(got), dir) {
		t.Errorf("error = %+v", got)
	}
}

// TestBuildAndPullJobs: build and pull make images without applying; the
// next plan shows the instances whose images moved; a pull error names
// the image; a wrong instance is refused by name.
func TestBuildAndPullJobs(t *testing.T) {
	e, _ := buildEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("job = %+v", job)
	}
	ups, _ := e.rt.counts()
	images := func(op string, req api.ImagesRequest) api.Job {
		rec := e.do("POST", "/v1/stacks/shop/"+op, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
		}
		return e.waitJob(decodeBody[api.Job](t, rec).ID)
	}
	if job := images("build", api.ImagesRequest{}); job.State != api.JobSucceeded || job.Operation != "build" {
		t.Fatalf("build job = %+v", job)
	}
	if b := e.rt.buildCalls(); len(b) != 2 || !slices.Equal(b[1], []string{"api"}) {
		t.Errorf("builds = %v", b)
	}
	if job := images("pull", api.ImagesRequest{Instances: []string{"db"}}); job.State != api.JobSucceeded {
		t.Fatalf("pull job = %+v", job)
	}
	e.rt.mu.Lock()
	pulls := slices.Clone(e.rt.pulls)
	e.rt.mu.Unlock()
	if !slices.Equal(pulls, []string{"docker.io/library/tdb:1"}) {
		t.Errorf("pulls = %v", pulls)
	}
	if now, _ := e.rt.counts(); now != ups {
		t.Error("build or pull ran compose up")
	}
	if c, ok := changeOf(e.planView("shop", api.PlanRequest{}), "api"); !ok || c.Action != plan.Replace {
		t.Errorf("plan after build: api = %+v; want replace", c)
	}

	e.rt.mu.Lock()
	e.rt.pullErr = errors.New("pull docker.io/library/tdb:1: no answer from its registry within 1s")
	e.rt.mu.Unlock()
	if job := images("pull", api.ImagesRequest{}); job.State != api.JobFailed || !strings.Contains(job.Error, "docker.io/library/tdb:1") {
		t.Errorf("failed pull = %+v", job)
	}
	for _, tc := range []struct {
		op, inst string
		status   int
	}{{"build", "db", http.StatusBadRequest}, {"pull", "api", http.StatusBadRequest}, {"build", "nope", http.StatusNotFound}} {
		rec := e.do("POST", "/v1/stacks/shop/"+tc.op, api.ImagesRequest{Instances: []string{tc.inst}})
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.inst) {
			t.Errorf("%s %s: %d %s", tc.op, tc.inst, rec.Code, rec.Body)
		}
	}
}
