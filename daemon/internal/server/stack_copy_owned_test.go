package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// A copy of a stack import-compose created gets its own copies of the
// templates the source owns, named and owned after the copy: a re-import
// onto the source may then change them, and removing both stacks leaves
// no template behind.
func TestStackCopyOwnsItsTemplates(t *testing.T) {
	e := newTestEnv(t)
	if code, _, body := e.importCompose(reimportFile, "cpown"); code != http.StatusCreated {
		t.Fatalf("import: %d %s", code, body)
	}
	if rec := e.do("POST", "/v1/stacks/cpown/copy", api.StackCopyRequest{Name: "cpown2", PortOffset: 1}); rec.Code != http.StatusCreated {
		t.Fatalf("copy: %d %s", rec.Code, rec.Body.String())
	}
	st, err := e.s.storedStack("cpown2")
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range st.Instances {
		if want := "cpown2-" + inst.Name; inst.Template != want {
			t.Errorf("copy's %s uses template %q, want %q", inst.Name, inst.Template, want)
		}
		tpl, ok := e.template("cpown2-" + inst.Name)
		if !ok || tpl.OwnerStack != "cpown2" {
			t.Errorf("template cpown2-%s: %+v %v, want one owned by cpown2", inst.Name, tpl, ok)
		}
	}
	if tpl, ok := e.template("cpown-web"); !ok || tpl.OwnerStack != "cpown" {
		t.Errorf("the source's template changed: %+v %v", tpl, ok)
	}

	changed := strings.Replace(reimportFile, "ghcr.io/acme/web:1", "ghcr.io/acme/web:2", 1)
	if code, res, body := e.importCompose(changed, "cpown"); code != http.StatusOK || res.PlanID == "" {
		t.Fatalf("re-import onto the source after a copy: want a plan, got %d %s", code, body)
	}

	for _, name := range []string{"cpown", "cpown2"} {
		if _, job := e.apply(name, api.ApplyRequest{Destroy: true, Purge: true}); job.State != api.JobSucceeded {
			t.Fatalf("purge %s: %+v", name, job)
		}
	}
	for _, name := range []string{"cpown-web", "cpown-db", "cpown2-web", "cpown2-db"} {
		if tpl, ok := e.template(name); ok {
			t.Errorf("template %s stayed after both stacks were purged: %+v", name, tpl)
		}
	}
}
