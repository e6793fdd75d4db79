package daemon

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
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

	dst := newSrvEnv(t)
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
	// The destination holds the same user templates (seeded by newSrvEnv), so
	// the import only adds the stack.
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
