package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// dbSum is the hash of the database file: a request that writes nothing
// leaves it byte-identical.
func (e *srvEnv) dbSum() [32]byte {
	e.t.Helper()
	b, err := os.ReadFile(e.s.Store.Path())
	if err != nil {
		e.t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestExportImportThroughDaemon(t *testing.T) {
	src := newSrvEnv(t)
	src.stack("shop")
	file := srvOK[api.FileView](t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{}), http.StatusOK)
	noSecrets(t, "redacted export", file.Content)
	if !strings.HasPrefix(file.Content, "version: 1\n") {
		t.Fatalf("export must start with its version:\n%s", file.Content)
	}

	// A home without the user template xdb: its redacted secret has no value.
	dst := newSrvEnv(t)
	dst.deleteTemplate("xdb")
	before := dst.dbSum()
	e := srvErr(t, dst.do("POST", "/v1/import", api.ImportRequest{Content: file.Content}), http.StatusBadRequest, api.CodeInvalid)
	if !hasField(e, "templates.xdb.env.POSTGRES_PASSWORD") {
		t.Errorf("a redacted secret without a value must be named: %+v", e)
	}
	if dst.dbSum() != before {
		t.Fatal("a refused import wrote to the database")
	}

	short := srvErr(t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{Passphrase: "pw"}), http.StatusBadRequest, api.CodeInvalid)
	if !strings.Contains(short.Message, "at least 8") {
		t.Errorf("short passphrase: %+v", short)
	}
	sealed := srvOK[api.FileView](t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{Passphrase: "pw-long-enough"}), http.StatusOK)
	noSecrets(t, "sealed export", sealed.Content)
	srvErr(t, dst.do("POST", "/v1/import", api.ImportRequest{Content: sealed.Content, Passphrase: "wrong"}), http.StatusBadRequest, api.CodeInvalid)
	if dst.dbSum() != before {
		t.Fatal("an import with a wrong passphrase wrote to the database")
	}
	// The sealed file brings xdb back with its secrets.
	res := srvOK[api.ImportResult](t, dst.do("POST", "/v1/import", api.ImportRequest{Content: sealed.Content, Passphrase: "pw-long-enough"}), http.StatusCreated)
	if !res.Created || res.Stack != "shop" || len(res.Instances) != 2 {
		t.Fatalf("import result = %+v", res)
	}
	again := srvOK[api.FileView](t, dst.do("POST", "/v1/stacks/shop/export", api.ExportRequest{}), http.StatusOK)
	if again.Content != file.Content {
		t.Errorf("export after a sealed import differs:\n%s\n---\n%s", file.Content, again.Content)
	}
	noSecrets(t, "daemon log", dst.log.String())
	noSecrets(t, "daemon log", src.log.String())
}

func (e *srvEnv) deleteTemplate(name string) {
	e.t.Helper()
	if err := e.s.Store.Update(func(tx *store.Tx) error { return tx.DeleteTemplate(name) }); err != nil {
		e.t.Fatal(err)
	}
}

// storeTemplate writes t into the home's store as it is.
func (e *srvEnv) storeTemplate(t core.Template) {
	e.t.Helper()
	if err := e.s.Store.Update(func(tx *store.Tx) error { return tx.PutTemplate(t) }); err != nil {
		e.t.Fatal(err)
	}
}

// TestImportRedactedOverExistingTemplate re-imports a redacted export into
// a home that has the user template already: the template's redacted
// secrets (env and sensitive file) take the values the existing template
// holds, without --set-secret; anything else that differs is a conflict.
func TestImportRedactedOverExistingTemplate(t *testing.T) {
	src := newSrvEnv(t)
	src.stack("shop")
	file := srvOK[api.FileView](t, src.do("POST", "/v1/stacks/shop/export", api.ExportRequest{}), http.StatusOK)
	xdb := srvTemplates()[0]
	cases := []struct {
		name       string
		home       func(e *srvEnv) // changes the seeded home (which has xdb as exported)
		setSecrets map[string]string
		status     int
		code       api.Code
		want       string // in the error message or a field
	}{
		{name: "identical template", status: http.StatusCreated},
		{name: "same values given again", setSecrets: map[string]string{"templates.xdb.env.POSTGRES_PASSWORD": srvSecret}, status: http.StatusCreated},
		{name: "other non-secret field", home: func(e *srvEnv) {
			changed := xdb
			changed.Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": xdb.Env["POSTGRES_PASSWORD"], "POSTGRES_USER": {Value: "other"}}
			e.storeTemplate(changed)
		}, status: http.StatusConflict, code: api.CodeConflict, want: "env differ"},
		{name: "other image", home: func(e *srvEnv) {
			changed := xdb
			changed.Image = "docker.io/library/postgres:15"
			e.storeTemplate(changed)
		}, status: http.StatusConflict, code: api.CodeConflict, want: "image differ"},
		{name: "existing value is not secret", home: func(e *srvEnv) {
			changed := xdb
			changed.Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "plain"}, "POSTGRES_USER": {Value: "app"}}
			e.storeTemplate(changed)
		}, status: http.StatusBadRequest, code: api.CodeInvalid, want: "templates.xdb.env.POSTGRES_PASSWORD"},
		{name: "another value given", setSecrets: map[string]string{"templates.xdb.env.POSTGRES_PASSWORD": "another-one"},
			status: http.StatusConflict, code: api.CodeConflict, want: "already exists with a different definition"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := newSrvEnv(t)
			if tc.home != nil {
				tc.home(dst)
			}
			before := dst.dbSum()
			rec := dst.do("POST", "/v1/import", api.ImportRequest{Content: file.Content, SetSecrets: tc.setSecrets})
			if tc.status != http.StatusCreated {
				e := srvErr(t, rec, tc.status, tc.code)
				if !strings.Contains(e.Message, tc.want) && !hasField(e, tc.want) {
					t.Errorf("error should name %q: %+v", tc.want, e)
				}
				noSecrets(t, "error", e.Message)
				if dst.dbSum() != before {
					t.Fatal("a refused import wrote to the database")
				}
				return
			}
			res := srvOK[api.ImportResult](t, rec, http.StatusCreated)
			if !res.Created {
				t.Fatalf("import result = %+v", res)
			}
			var got core.Template
			if err := dst.s.Store.View(func(tx *store.Tx) error {
				var err error
				got, err = tx.GetTemplate("xdb")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if got.Env["POSTGRES_PASSWORD"].Value != srvSecret || len(got.Files) != 1 || got.Files[0].Content != srvFileSecret {
				t.Errorf("the existing template's secrets must be kept: %+v", got)
			}
			again := srvOK[api.FileView](t, dst.do("POST", "/v1/stacks/shop/export", api.ExportRequest{}), http.StatusOK)
			if again.Content != file.Content {
				t.Errorf("export after the import differs:\n%s\n---\n%s", file.Content, again.Content)
			}
			noSecrets(t, "daemon log", dst.log.String())
		})
	}
}

// TestImportComposeThroughDaemon: the request's environment interpolates
// the file and is never logged; warnings come back; a service of an
// inactive profile is stored disabled; errors name the compose path.
func TestImportComposeThroughDaemon(t *testing.T) {
	const file = `services:
  web:
    image: ghcr.io/acme/web:1
    ports: ["${WEB_PORT}:8080"]
    cap_add: [NET_ADMIN]
    environment:
      DB_PASSWORD: ${DB_PASSWORD:?set it}
    networks: [front]
  debug:
    image: ghcr.io/acme/debug:1
    profiles: [debug]
networks:
  front: {}
`
	const pass = "env-Secret-42-must-not-leak"
	e := newSrvEnv(t)
	before := e.dbSum()
	bad := srvErr(t, e.do("POST", "/v1/import-compose", api.ImportComposeRequest{Content: file, Stack: "cmp", WorkDir: "/srv"}),
		http.StatusBadRequest, api.CodeInvalid)
	if !hasField(bad, "services.web.environment.DB_PASSWORD") || !strings.Contains(bad.Message+fmt.Sprint(bad.Fields), "required variable DB_PASSWORD") {
		t.Errorf("a missing required variable must be named: %+v", bad)
	}
	if e.dbSum() != before {
		t.Fatal("a refused import wrote to the database")
	}
	res := srvOK[api.ImportResult](t, e.do("POST", "/v1/import-compose", api.ImportComposeRequest{
		Content: file, Stack: "cmp", WorkDir: "/srv",
		Environment: map[string]string{"WEB_PORT": "18090", "DB_PASSWORD": pass},
	}), http.StatusCreated)
	want := []string{"services.debug.profiles", "services.web.networks", "networks: front"}
	for _, w := range want {
		if !slices.ContainsFunc(res.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("warnings %q lack %q", res.Warnings, w)
		}
	}
	st := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/cmp", nil), http.StatusOK)
	web, _ := st.Instance("web")
	debug, _ := st.Instance("debug")
	if !web.Enabled || debug.Enabled {
		t.Errorf("web enabled %v (want true), debug enabled %v (want false)", web.Enabled, debug.Enabled)
	}
	if !strings.Contains(web.Overrides.Compose, "NET_ADMIN") {
		t.Errorf("cap_add should be carried over in the fragment: %q", web.Overrides.Compose)
	}
	tpl := srvOK[core.Template](t, e.do("GET", "/v1/templates/cmp-web", nil), http.StatusOK)
	if len(tpl.Ports) != 1 || tpl.Ports[0].Host != 18090 {
		t.Errorf("ports = %+v; want the host port from the environment", tpl.Ports)
	}
	if pw := tpl.Env["DB_PASSWORD"]; !pw.Secret || pw.Value == pass {
		t.Errorf("the interpolated password must be a secret and shown redacted: %+v", pw)
	}
	if strings.Contains(e.log.String(), pass) || strings.Contains(e.log.String(), "18090") {
		t.Errorf("the daemon log shows the environment:\n%s", e.log.String())
	}
}

// FuzzImportNeverWritesOnError feeds arbitrary files to the import
// endpoint: it never panics, and a refused file leaves the database
// byte-identical.
func FuzzImportNeverWritesOnError(f *testing.F) {
	seed := `version: 1
stack:
  name: fz
instances:
  db:
    template: xdb
  api:
    template: xapi
    ports: ["127.0.0.1:18099:80"]
wires:
  - {consumer: api, import: db, provider: db}
`
	f.Add([]byte(seed))
	f.Add([]byte(strings.Replace(seed, "18099:80", "18099:0", 1)))
	f.Add([]byte(strings.Replace(seed, "name: fz", "name: Fz_", 1)))
	dir := filepath.Join("..", "core", "devfile", "testdata", "invalid")
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if b, err := os.ReadFile(filepath.Join(dir, en.Name())); err == nil {
			f.Add(b)
		}
	}
	// One store for the whole run: a fresh bbolt file per input would make
	// fuzzing measure file creation instead of the import.
	e := newSrvEnv(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		e.t = t
		before := e.dbSum()
		rec := e.do("POST", "/v1/import", api.ImportRequest{Content: string(data)})
		if rec.Code == http.StatusCreated {
			res := srvOK[api.ImportResult](t, rec, http.StatusCreated)
			e.stored(res.Stack) // fails the test unless the stack is there
			if rm := e.do("DELETE", "/v1/stacks/"+res.Stack, nil); rm.Code >= 300 {
				t.Fatalf("remove imported stack: %s", rm.Body.String())
			}
			return
		}
		if rec.Code < 400 || !bytes.Contains(rec.Body.Bytes(), []byte(`"error"`)) {
			t.Fatalf("status %d without an error body: %s", rec.Code, rec.Body.String())
		}
		if e.dbSum() != before {
			t.Fatalf("a refused import (%d) wrote to the database: %s", rec.Code, rec.Body.String())
		}
	})
}

// A user template whose files were added out of target order re-imports as
// the same template: files are a set keyed by target.
func TestReimportTemplateWithFilesInAnyOrder(t *testing.T) {
	e := newSrvEnv(t)
	e.putTemplate(core.Template{Name: "xfiles", Image: "docker.io/library/nginx:1.27", Files: []core.ConfigFile{
		{Target: "/z.conf", Content: "z", Mode: 0o644},
		{Target: "/a.conf", Content: "a", Mode: 0o644},
	}})
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "web"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/web/instances", api.InstanceAddRequest{Name: "w", Template: "xfiles"}), http.StatusCreated)
	file := srvOK[api.FileView](t, e.do("POST", "/v1/stacks/web/export", api.ExportRequest{}), http.StatusOK)
	if rec := e.do("DELETE", "/v1/stacks/web", nil); rec.Code >= 300 {
		t.Fatalf("remove stack: %s", rec.Body.String())
	}
	srvOK[api.ImportResult](t, e.do("POST", "/v1/import", api.ImportRequest{Content: file.Content}), http.StatusCreated)
}

// Importing over a stack follows the runtime the stack is bound to, as plan
// does, when the request names none.
func TestImportOverStackFollowsBoundRuntime(t *testing.T) {
	e := newTestEnv(t)
	kindRuntimes(e)
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: api.RuntimeSpec{Kind: runtime.KindPodman}}); job.State != api.JobSucceeded {
		t.Fatalf("apply on podman: %+v", job)
	}
	file := decodeBody[api.FileView](t, e.do("POST", "/v1/stacks/shop/export", api.ExportRequest{IncludeSecrets: true}))
	changed := strings.Replace(file.Content, "stack:\n  name: shop\n", "stack:\n  name: shop\n  description: moved\n", 1)
	if changed == file.Content {
		t.Fatalf("could not edit the export:\n%s", file.Content)
	}
	rec := e.do("POST", "/v1/import", api.ImportRequest{Content: changed})
	res := decodeBody[api.ImportResult](t, rec)
	if rec.Code != http.StatusOK || res.PlanID == "" || res.Plan == nil || res.Plan.RuntimeKind != runtime.KindPodman {
		t.Fatalf("import over a podman stack without a runtime: %d %s", rec.Code, rec.Body.String())
	}
}

// An import over a stack whose plan fails stores none of the file's
// templates: the database is as it was.
func TestRefusedImportOverStackLeavesNoTemplate(t *testing.T) {
	e := newTestEnv(t)
	file := decodeBody[api.FileView](t, e.do("POST", "/v1/stacks/shop/export", api.ExportRequest{IncludeSecrets: true}))
	// The file brings a new template and uses it with a fragment compose
	// refuses: parse accepts it, the plan does not.
	content := strings.Replace(file.Content, "templates:\n", "templates:\n  xnew:\n    image: docker.io/library/nginx:1.27\n", 1)
	content = strings.Replace(content, "instances:\n", "instances:\n  zz:\n    template: xnew\n    compose: |\n      mem_limit: lots\n", 1)
	if content == file.Content {
		t.Fatalf("could not edit the export:\n%s", file.Content)
	}
	rec := e.do("POST", "/v1/import", api.ImportRequest{Content: content})
	if rec.Code < 400 || !strings.Contains(rec.Body.String(), "mem_limit") {
		t.Fatalf("import with a refused fragment: want the fragment error, got %d %s", rec.Code, rec.Body.String())
	}
	err := e.s.Store.View(func(tx *store.Tx) error {
		_, err := tx.GetTemplate("xnew")
		return err
	})
	if !store.IsNotFound(err) {
		t.Errorf("a refused import left its template (err %v)", err)
	}
}

// The templates an import over a stack brings are stored with its plan,
// and applying that plan uses them.
func TestImportOverStackStoresTemplatesWithItsPlan(t *testing.T) {
	e := newTestEnv(t)
	file := decodeBody[api.FileView](t, e.do("POST", "/v1/stacks/shop/export", api.ExportRequest{IncludeSecrets: true}))
	content := strings.Replace(file.Content, "templates:\n", "templates:\n  xnew:\n    image: docker.io/library/nginx:1.27\n", 1)
	content = strings.Replace(content, "instances:\n", "instances:\n  zz:\n    template: xnew\n", 1)
	rec := e.do("POST", "/v1/import", api.ImportRequest{Content: content})
	res := decodeBody[api.ImportResult](t, rec)
	if rec.Code != http.StatusOK || res.PlanID == "" {
		t.Fatalf("import over a stack with a new template: %d %s", rec.Code, rec.Body.String())
	}
	err := e.s.Store.View(func(tx *store.Tx) error {
		_, err := tx.GetTemplate("xnew")
		return err
	})
	if err != nil {
		t.Fatalf("the template of a saved import plan is not stored: %v", err)
	}
	if _, job := e.apply("shop", api.ApplyRequest{PlanID: res.PlanID}); job.State != api.JobSucceeded {
		t.Errorf("apply of the import plan: %+v", job)
	}
}
