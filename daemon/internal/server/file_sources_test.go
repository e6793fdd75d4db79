package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// sourcedEnv is the test stack with two files of db that follow a source
// (one sensitive), applied once with their stored contents.
func sourcedEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[1].Overrides.Files = map[string]core.ConfigFile{ // db
			"/etc/app.conf": {Target: "/etc/app.conf", Content: "level=1\n", Source: "/src/app.conf"},
			"/run/pw":       {Target: "/run/pw", Content: "pw-Stored-41", Sensitive: true, Source: "/src/pw"},
		}
	})
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", job)
	}
	return e
}

func (e *testEnv) materialized(stack, inst, target string) string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{e.runner.FilesDir(stack), inst}, strings.Split(strings.TrimPrefix(target, "/"), "/")...)...))
	if err != nil {
		e.t.Fatalf("read materialized %s: %v", target, err)
	}
	return string(data)
}

// The contents a plan request sends for a file's source are planned
// instead of the stored one; a plan sent none uses the stored content; a
// changed file is named in the change's reason, a sensitive one's content
// never appears.
func TestPlanUsesSentSourceContents(t *testing.T) {
	e := sourcedEnv(t)

	if c, ok := changeOf(e.planView("shop", api.PlanRequest{}), "db"); ok {
		t.Fatalf("plan without sources changes db: %+v", c)
	}
	same := map[string]string{"/src/app.conf": "level=1\n", "/src/pw": "pw-Stored-41"}
	if c, ok := changeOf(e.planView("shop", api.PlanRequest{Sources: same}), "db"); ok {
		t.Fatalf("plan with unchanged sources changes db: %+v", c)
	}

	edited := map[string]string{"/src/app.conf": "level=2\n", "/src/pw": "pw-Edited-77", "/src/other": "unused"}
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Sources: edited})
	if rec.Code != http.StatusOK {
		t.Fatalf("plan: %d %s", rec.Code, rec.Body.String())
	}
	if body := rec.Body.String(); strings.Contains(body, "pw-Edited-77") || strings.Contains(body, "pw-Stored-41") {
		t.Errorf("plan answer holds a sensitive file's content:\n%s", body)
	}
	c, ok := changeOf(decodeBody[plan.View](t, rec), "db")
	if !ok || c.Action != plan.Update {
		t.Fatalf("db change = %+v (found %v); want an update", c, ok)
	}
	for _, want := range []string{"file /etc/app.conf changed", "file /run/pw changed"} {
		if !strings.Contains(c.Reason, want) {
			t.Errorf("db reason = %q; want it to say %q", c.Reason, want)
		}
	}
	if c, ok := changeOf(e.planView("shop", api.PlanRequest{Sources: edited}), "api"); ok {
		t.Errorf("api (no sourced files) changes: %+v", c)
	}

	// The stored definition keeps what `instance set` stored.
	st := decodeBody[api.StackView](t, e.do("GET", "/v1/stacks/shop", nil))
	db, _ := st.Instance("db")
	if got := db.Overrides.Files["/etc/app.conf"]; got.Content != "level=1\n" || got.Source != "/src/app.conf" {
		t.Errorf("stored file after the plan = %+v; want the stored content and source", got)
	}
}

// A saved plan applies the contents it was computed with, and the apply
// converges the container to them; the stored content stays.
func TestSavedPlanAppliesAssumedSourceContents(t *testing.T) {
	e := sourcedEnv(t)
	p := e.planView("shop", api.PlanRequest{Save: true, Sources: map[string]string{"/src/app.conf": "level=3\n"}})
	if c, ok := changeOf(p, "db"); !ok || !strings.Contains(c.Reason, "file /etc/app.conf changed") {
		t.Fatalf("saved plan db = %+v", c)
	}
	rec, job := e.apply("shop", api.ApplyRequest{PlanID: p.ID})
	if job.State != api.JobSucceeded {
		t.Fatalf("apply --plan: %d %s %+v", rec.Code, rec.Body.String(), job)
	}
	if got := e.materialized("shop", "db", "/etc/app.conf"); got != "level=3\n" {
		t.Errorf("materialized after the apply = %q; want the content the plan assumed", got)
	}
	applied, _ := e.applied("shop")
	svc, _ := applied.Desired.Service("db")
	for _, f := range svc.Files {
		if f.Source != "" {
			t.Errorf("applied desired state carries a source: %+v", f)
		}
	}
	// Planned again with the same content: nothing to do; without it the
	// stored content is a change back.
	if c, ok := changeOf(e.planView("shop", api.PlanRequest{Sources: map[string]string{"/src/app.conf": "level=3\n"}}), "db"); ok {
		t.Errorf("plan with the applied content changes db: %+v", c)
	}
	if _, ok := changeOf(e.planView("shop", api.PlanRequest{}), "db"); !ok {
		t.Errorf("plan with the stored content shows no change from the applied one")
	}

	// Without a saved plan, an apply request's sources are used as well.
	if _, job := e.apply("shop", api.ApplyRequest{Sources: map[string]string{"/src/app.conf": "level=4\n"}}); job.State != api.JobSucceeded {
		t.Fatalf("apply with sources: %+v", job)
	}
	if got := e.materialized("shop", "db", "/etc/app.conf"); got != "level=4\n" {
		t.Errorf("materialized after an apply with sources = %q", got)
	}
}

func TestSourceContentsRefused(t *testing.T) {
	e := sourcedEnv(t)
	rec := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Sources: map[string]string{"/src/app.conf": "a\x00b"}})
	err := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	for _, want := range []string{"instances.db.files./etc/app.conf", "/src/app.conf"} {
		if !strings.Contains(err.Message, want) {
			t.Errorf("error %q does not name %q", err.Message, want)
		}
	}
	big := strings.Repeat("x", core.MaxFileContent+1)
	rec = e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Sources: map[string]string{"/src/pw": big}})
	if err := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid); !strings.Contains(err.Message, "instances.db.files./run/pw") {
		t.Errorf("oversized content error = %q", err.Message)
	}

	p := e.planView("shop", api.PlanRequest{Save: true})
	rec, _ = e.apply("shop", api.ApplyRequest{PlanID: p.ID, Sources: map[string]string{"/src/app.conf": "x"}})
	if err := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid); !strings.Contains(err.Message, "sources") {
		t.Errorf("apply of a saved plan with sources: %q", err.Message)
	}
}

// The file-sources route lists what the CLI reads before a plan; an
// unknown stack is not found.
func TestFileSourcesRoute(t *testing.T) {
	e := sourcedEnv(t)
	rec := e.do("GET", "/v1/stacks/shop/file-sources", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("file-sources: %d %s", rec.Code, rec.Body.String())
	}
	got := decodeBody[[]core.FileSource](t, rec)
	want := []core.FileSource{{Instance: "db", Target: "/etc/app.conf", Source: "/src/app.conf"}, {Instance: "db", Target: "/run/pw", Source: "/src/pw"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("file-sources = %+v, want %+v", got, want)
	}
	if strings.Contains(rec.Body.String(), "pw-Stored-41") {
		t.Errorf("file-sources answer holds a content: %s", rec.Body.String())
	}
	wantError(t, e.do("GET", "/v1/stacks/ghost/file-sources", nil), http.StatusNotFound, api.CodeNotFound)
}
