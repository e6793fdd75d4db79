package server

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestInstanceSetBuildPaths: instance set refuses a build whose context or
// Dockerfile does not exist, naming the instance's field and the path, and
// leaves the stack as it was; an existing one is stored.
func TestInstanceSetBuildPaths(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set := func(b core.ImageBuild) *httptest.ResponseRecorder {
		return e.do("PATCH", "/v1/stacks/shop/instances/api",
			core.InstanceUpdate{Overrides: core.Overrides{Build: &b}, Mask: []string{"build"}})
	}
	cases := []struct {
		name  string
		build core.ImageBuild
		field string
		path  string
	}{
		{"missing context", core.ImageBuild{Context: filepath.Join(dir, "nope")}, "instances.api.build.context", filepath.Join(dir, "nope")},
		{"missing Dockerfile", core.ImageBuild{Context: dir, Dockerfile: "Dockerfile.dev"}, "instances.api.build.dockerfile", filepath.Join(dir, "Dockerfile.dev")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.stored("shop")
			got := srvErr(t, set(tc.build), http.StatusBadRequest, api.CodeInvalid)
			if !hasField(got, tc.field) || !strings.Contains(fieldRules(got), tc.path) {
				t.Errorf("error = %v (fields %+v); want field %s naming %s", got, got.Fields, tc.field, tc.path)
			}
			if e.stored("shop") != before {
				t.Error("refused set changed the stack")
			}
		})
	}
	t.Run("existing", func(t *testing.T) {
		if rec := set(core.ImageBuild{Context: dir}); rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if v := e.instance("shop", "api"); v.Effective == nil || v.Effective.Build == nil || v.Effective.Build.Context != dir {
			t.Errorf("effective = %+v; want the build from %s", v.Effective, dir)
		}
	})
}

// fieldRules joins the rules of e's fields.
func fieldRules(e *api.Error) string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Rule)
	}
	return strings.Join(out, "; ")
}

// TestExportImportBuildDir: export with the file's directory writes the
// build context relative to it, and import of that file from another
// directory (another clone) resolves it against that directory.
func TestExportImportBuildDir(t *testing.T) {
	src := newSrvEnv(t)
	src.stack("shop")
	repo := t.TempDir()
	app := filepath.Join(repo, "services", "api")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srvOK[api.InstanceView](t, src.do("PATCH", "/v1/stacks/shop/instances/api",
		core.InstanceUpdate{Overrides: core.Overrides{Build: &core.ImageBuild{Context: app}}, Mask: []string{"build"}}), http.StatusOK)

	file := srvOK[api.FileView](t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{Dir: repo}), http.StatusOK)
	if !strings.Contains(file.Content, "build: ./services/api") || strings.Contains(file.Content, repo) {
		t.Fatalf("export does not hold the context relative to %s:\n%s", repo, file.Content)
	}
	srvErr(t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{Dir: "rel/dir"}), http.StatusBadRequest, api.CodeInvalid)

	clone := t.TempDir()
	dst := newSrvEnv(t)
	srvErr(t, dst.do("POST", "/v1/import", api.ImportRequest{Content: file.Content, Dir: "rel"}), http.StatusBadRequest, api.CodeInvalid)
	srvOK[api.ImportResult](t, dst.do("POST", "/v1/import", api.ImportRequest{Content: file.Content, Dir: clone}), http.StatusCreated)
	v := dst.instance("shop", "api")
	if want := filepath.Join(clone, "services", "api"); v.Effective == nil || v.Effective.Build == nil || v.Effective.Build.Context != want {
		t.Errorf("imported build = %+v; want context %s", v.Effective, want)
	}
}
