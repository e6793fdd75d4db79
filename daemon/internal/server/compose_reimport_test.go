package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

const reimportFile = `services:
  web:
    image: ghcr.io/acme/web:1
    ports: ["18111:8080"]
    depends_on: [db]
  db:
    image: ghcr.io/acme/db:1
`

func (e *testEnv) importCompose(content, stack string) (int, api.ImportResult, string) {
	e.t.Helper()
	rec := e.do("POST", "/v1/import-compose", api.ImportComposeRequest{Content: content, Stack: stack, WorkDir: "/srv"})
	if rec.Code >= 400 {
		return rec.Code, api.ImportResult{}, rec.Body.String()
	}
	return rec.Code, decodeBody[api.ImportResult](e.t, rec), rec.Body.String()
}

// template reads template name from the store; ok is false when it is gone.
func (e *testEnv) template(name string) (core.Template, bool) {
	e.t.Helper()
	var t core.Template
	err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		t, err = tx.GetTemplate(name)
		return err
	})
	if err != nil && !store.IsNotFound(err) {
		e.t.Fatal(err)
	}
	return t, err == nil
}

func (e *testEnv) planCount() int {
	e.t.Helper()
	n := 0
	err := e.s.Store.View(func(tx *store.Tx) error {
		keys, err := tx.Keys("plans")
		n = len(keys)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// An import-compose over the stack it created plans the changes: an
// unchanged file saves no plan; a changed port is an update of the
// instance, and applying the plan replaces the template the stack owns;
// a service the file drops takes its template with it.
func TestImportComposeOverStackPlansChanges(t *testing.T) {
	e := newTestEnv(t)
	if code, res, body := e.importCompose(reimportFile, "cmpre"); code != http.StatusCreated || !res.Created {
		t.Fatalf("first import: %d %s", code, body)
	}
	if tpl, ok := e.template("cmpre-web"); !ok || tpl.OwnerStack != "cmpre" {
		t.Fatalf("the created template should be owned by the stack: %+v %v", tpl, ok)
	}
	if _, job := e.apply("cmpre", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}

	plans := e.planCount()
	code, res, body := e.importCompose(reimportFile, "cmpre")
	if code != http.StatusOK || !res.Unchanged || res.PlanID != "" || res.Plan != nil {
		t.Fatalf("unchanged re-import: want 200 and unchanged without a plan, got %d %s", code, body)
	}
	if e.planCount() != plans {
		t.Error("an unchanged re-import saved a plan")
	}

	changed := strings.Replace(reimportFile, "18111:8080", "18112:8080", 1)
	code, res, body = e.importCompose(changed, "cmpre")
	if code != http.StatusOK || res.Created || res.PlanID == "" || res.Plan == nil {
		t.Fatalf("re-import with a changed port: want a saved plan, got %d %s", code, body)
	}
	var web *plan.ResourceChange
	for i, c := range res.Plan.Changes {
		if c.Instance == "web" {
			web = &res.Plan.Changes[i]
		}
	}
	if web == nil || (web.Action != plan.Update && web.Action != plan.Replace) {
		t.Fatalf("the plan should update web: %+v", res.Plan.Changes)
	}
	if tpl, _ := e.template("cmpre-web"); len(tpl.Ports) != 1 || tpl.Ports[0].Host != 18111 {
		t.Errorf("the template changed before the plan was applied: %+v", tpl.Ports)
	}
	if _, job := e.apply("cmpre", api.ApplyRequest{PlanID: res.PlanID}); job.State != api.JobSucceeded {
		t.Fatalf("apply of the import plan: %+v", job)
	}
	tpl, ok := e.template("cmpre-web")
	if !ok || len(tpl.Ports) != 1 || tpl.Ports[0].Host != 18112 || tpl.OwnerStack != "cmpre" {
		t.Fatalf("applying the plan should replace the owned template: %+v", tpl)
	}
	if code, res, body = e.importCompose(changed, "cmpre"); code != http.StatusOK || !res.Unchanged {
		t.Errorf("the applied file again: want unchanged, got %d %s", code, body)
	}

	// The file drops db: applying removes the instance and its template.
	noDB := "services:\n  web:\n    image: ghcr.io/acme/web:1\n    ports: [\"18112:8080\"]\n"
	code, res, body = e.importCompose(noDB, "cmpre")
	if code != http.StatusOK || res.PlanID == "" {
		t.Fatalf("re-import without db: %d %s", code, body)
	}
	if _, ok := e.template("cmpre-db"); !ok {
		t.Error("the template of a dropped service went before the plan was applied")
	}
	if _, job := e.apply("cmpre", api.ApplyRequest{PlanID: res.PlanID}); job.State != api.JobSucceeded {
		t.Fatalf("apply without db: %+v", job)
	}
	if _, ok := e.template("cmpre-db"); ok {
		t.Error("the template of a service the file dropped should be removed once no stack uses it")
	}
	if _, ok := e.template("cmpre-web"); !ok {
		t.Error("the template web still uses was removed")
	}
}

// The templates a stack's import-compose created go with the stack (stack
// rm, destroy --purge), except those another stack uses; such a template
// cannot be changed by a re-import either.
func TestComposeTemplatesGoWithTheirStack(t *testing.T) {
	e := newTestEnv(t)
	if code, _, body := e.importCompose(reimportFile, "cmprm"); code != http.StatusCreated {
		t.Fatalf("import: %d %s", code, body)
	}
	if rec := e.do("DELETE", "/v1/stacks/cmprm", nil); rec.Code >= 400 {
		t.Fatalf("stack rm: %d %s", rec.Code, rec.Body.String())
	}
	for _, name := range []string{"cmprm-web", "cmprm-db"} {
		if _, ok := e.template(name); ok {
			t.Errorf("stack rm left the template %s its import created", name)
		}
	}

	// Another stack uses db's template: it survives the purge.
	if code, _, body := e.importCompose(reimportFile, "cmpp"); code != http.StatusCreated {
		t.Fatalf("import: %d %s", code, body)
	}
	if rec := e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "otheruser"}); rec.Code >= 400 {
		t.Fatalf("stack create: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.do("POST", "/v1/stacks/otheruser/instances", api.InstanceAddRequest{Name: "db", Template: "cmpp-db"}); rec.Code >= 400 {
		t.Fatalf("instance add: %d %s", rec.Code, rec.Body.String())
	}
	// A change to a template another stack uses is refused, naming it.
	changedDB := strings.Replace(reimportFile, "ghcr.io/acme/db:1", "ghcr.io/acme/db:2", 1)
	code, _, body := e.importCompose(changedDB, "cmpp")
	if code != http.StatusConflict || !strings.Contains(body, "cmpp-db") || !strings.Contains(body, "otheruser") {
		t.Errorf("re-import changing a shared template: want a conflict naming it and its user, got %d %s", code, body)
	}
	if _, job := e.apply("cmpp", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	if _, job := e.apply("cmpp", api.ApplyRequest{Destroy: true, Purge: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy --purge: %+v", job)
	}
	if _, ok := e.template("cmpp-web"); ok {
		t.Error("destroy --purge left the template only its stack used")
	}
	if _, ok := e.template("cmpp-db"); !ok {
		t.Error("destroy --purge removed a template another stack uses")
	}

	// A template the user replaced is the user's: stack rm keeps it.
	if code, _, body := e.importCompose(reimportFile, "cmpu"); code != http.StatusCreated {
		t.Fatalf("import: %d %s", code, body)
	}
	tpl, _ := e.template("cmpu-db")
	tpl.Description = "mine now"
	if rec := e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: tpl, Replace: true}); rec.Code >= 400 {
		t.Fatalf("template add --replace: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.do("DELETE", "/v1/stacks/cmpu", nil); rec.Code >= 400 {
		t.Fatalf("stack rm: %d %s", rec.Code, rec.Body.String())
	}
	if _, ok := e.template("cmpu-db"); !ok {
		t.Error("stack rm removed a template the user replaced")
	}
	if _, ok := e.template("cmpu-web"); ok {
		t.Error("stack rm left the template its import created")
	}
}
