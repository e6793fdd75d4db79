package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/service"
	"github.com/devarch-dev/devarch/store"
)

// Secret values used by the server tests; no response may contain them.
const (
	srvSecret     = "sv-Pw93-must-not-leak"
	srvFileSecret = "sv-File71-must-not-leak"
)

// srvEnv is a Server over a real store in a temp dir, served through
// Handler with the test's own uid as the peer.
type srvEnv struct {
	t   testing.TB
	s   *parts
	h   http.Handler
	log *bytes.Buffer
}

func newSrvEnv(t testing.TB) *srvEnv {
	t.Helper()
	return newSrvEnvWith(t, partsOptions{})
}

// newSrvEnvWith is newSrvEnv with opt (its log is always the env's).
func newSrvEnvWith(t testing.TB, opt partsOptions) *srvEnv {
	t.Helper()
	home := t.TempDir()
	st := openStoreWithKey(t, home, 9)
	logBuf := &bytes.Buffer{}
	opt.log = slog.New(slog.NewTextHandler(logBuf, nil))
	s := newParts(t, home, st, opt)
	e := &srvEnv{t: t, s: s, h: s.Srv.Handler(), log: logBuf}
	err := st.Update(func(tx *store.Tx) error {
		for _, tpl := range srvTemplates() {
			if err := tx.PutTemplate(tpl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed templates: %v", err)
	}
	return e
}

// srvTemplates are user templates: a database exporting pg with a secret
// password and a sensitive file, and an api importing pg.
func srvTemplates() []core.Template {
	return []core.Template{
		{
			Name:  "xdb",
			Image: "docker.io/library/postgres:16",
			Env: map[string]core.EnvVar{
				"POSTGRES_PASSWORD": {Value: srvSecret, Secret: true},
				"POSTGRES_USER":     {Value: "app"},
			},
			Ports:       []core.Port{{Host: 15432, Container: 5432}},
			Healthcheck: &core.Healthcheck{Test: []string{"CMD", "pg_isready"}, Interval: core.Duration(5 * time.Second), Retries: 3},
			Files:       []core.ConfigFile{{Target: "/etc/xdb/secret.conf", Content: srvFileSecret, Sensitive: true}},
			Exports: []core.Export{{Name: "pg", Type: core.ContractPostgres, Port: 5432,
				Env: map[string]string{"DB_HOST": "{{.Host}}", "DB_PASSWORD": "{{.Env.POSTGRES_PASSWORD}}"}}},
		},
		{
			Name:    "xapi",
			Image:   "docker.io/library/nginx:1.27",
			Env:     map[string]core.EnvVar{"MODE": {Value: "dev"}, "LEVEL": {Value: "info"}},
			Labels:  map[string]string{"team": "a"},
			Ports:   []core.Port{{Host: 18080, Container: 80}},
			Imports: []core.Import{{Name: "db", Type: core.ContractPostgres}},
		},
		{
			Name:    "xcache",
			Image:   "docker.io/library/redis:7",
			Exports: []core.Export{{Name: "cache", Type: core.ContractRedis, Port: 6379}},
		},
	}
}

// ourPeer is the peer every harness request comes from.
var ourPeer = Peer{UID: os.Getuid(), PID: 4242, Who: "tester@host"}

// do sends a request through the full handler as ourPeer.
func (e *srvEnv) do(method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.doAs(ourPeer, true, method, path, body)
}

func (e *srvEnv) doAs(p Peer, withCreds bool, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if withCreds {
		req = req.WithContext(withPeer(req.Context(), p))
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// ok asserts rec has status and decodes its body into T.
func srvOK[T any](t testing.TB, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v; body %s", v, err, rec.Body.String())
	}
	return v
}

// srvErr asserts rec is an API error with status and code.
func srvErr(t testing.TB, rec *httptest.ResponseRecorder, status int, code api.Code) *api.Error {
	t.Helper()
	body := srvOK[api.ErrorBody](t, rec, status)
	if body.Error == nil || body.Error.Code != code {
		t.Fatalf("error = %+v, want code %s", body.Error, code)
	}
	return body.Error
}

// hasField reports whether e names field among its Fields.
func hasField(e *api.Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// stored returns stack name as stored, as JSON, for before/after comparisons.
func (e *srvEnv) stored(name string) string {
	e.t.Helper()
	out, err := storedStackJSON(e.s, name)
	if err != nil {
		e.t.Fatalf("read stack %s: %v", name, err)
	}
	return out
}

// storedStackJSON reads stack name from s's store as JSON.
func storedStackJSON(s *parts, name string) (string, error) {
	var out []byte
	err := s.Store.View(func(tx *store.Tx) error {
		st, err := tx.GetStack(name)
		if err != nil {
			return err
		}
		out, err = json.Marshal(st)
		return err
	})
	return string(out), err
}

// stack creates stack name with instances db (xdb) and api (xapi).
func (e *srvEnv) stack(name string) {
	e.t.Helper()
	srvOK[core.Stack](e.t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: name}), http.StatusCreated)
	srvOK[core.Instance](e.t, e.do("POST", "/v1/stacks/"+name+"/instances", api.InstanceAddRequest{Name: "db", Template: "xdb"}), http.StatusCreated)
	srvOK[core.Instance](e.t, e.do("POST", "/v1/stacks/"+name+"/instances", api.InstanceAddRequest{Name: "api", Template: "xapi"}), http.StatusCreated)
}

func noSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range []string{srvSecret, srvFileSecret} {
		if strings.Contains(text, v) {
			t.Errorf("%s contains secret %q:\n%s", what, v, text)
		}
	}
}

func TestPeerCheck(t *testing.T) {
	e := newSrvEnv(t)
	tests := []struct {
		name  string
		peer  Peer
		creds bool
		want  int
	}{
		{"same uid", ourPeer, true, http.StatusOK},
		{"other uid", Peer{UID: os.Getuid() + 1, PID: 7}, true, http.StatusForbidden},
		{"no credentials", Peer{}, false, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.doAs(tt.peer, tt.creds, "GET", "/v1/status", nil)
			if tt.want != http.StatusOK {
				srvErr(t, rec, tt.want, api.CodeUnauthorized)
				return
			}
			st := srvOK[api.Status](t, rec, http.StatusOK)
			if st.PID != os.Getpid() || st.Home != e.s.Home || st.Socket != filepath.Join(e.s.Home, api.SocketName) {
				t.Errorf("status = %+v", st)
			}
		})
	}
}

func TestUnknownRouteIsJSONError(t *testing.T) {
	e := newSrvEnv(t)
	srvErr(t, e.do("GET", "/v1/nope", nil), http.StatusNotFound, api.CodeNotFound)
}

func TestWriteErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   api.Code
	}{
		{"field", core.Errf("ports[0]", "bad"), 400, api.CodeInvalid},
		{"fields", core.FieldErrors{core.Errf("a", "x"), core.Errf("b", "y")}, 400, api.CodeInvalid},
		{"wrapped field", fmt.Errorf("ctx: %w", core.Errf("a", "x")), 400, api.CodeInvalid},
		{"diagnostics", &core.DiagnosticsError{Diagnostics: []core.Diagnostic{{Severity: core.SeverityError, Message: "m"}}}, 400, api.CodeInvalid},
		{"api", errorf(api.CodeConflict, "h", "exists"), 409, api.CodeConflict},
		{"lock", &jobs.LockError{Stack: "s", Holder: api.LockInfo{Stack: "s", Operation: "apply"}}, 423, api.CodeLocked},
		{"service", fmt.Errorf("ctx: %w", &service.Error{Code: api.CodeStalePlan, Msg: "stale", Hint: "plan again"}), 409, api.CodeStalePlan},
		{"runtime", &apply.RuntimeError{Msg: "volumes in use", Hint: "retry"}, 502, api.CodeRuntime},
		{"not found", &core.NotFoundError{Msg: "stack \"x\" not found", Hint: "devarch stack ls"}, 404, api.CodeNotFound},
		{"other", errors.New("boom"), 500, api.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeError(rec, tt.err)
			got := srvErr(t, rec, tt.status, tt.code)
			switch tt.name {
			case "fields":
				if len(got.Fields) != 2 {
					t.Errorf("fields = %+v", got.Fields)
				}
			case "diagnostics":
				if len(got.Diagnostics) != 1 {
					t.Errorf("diagnostics = %+v", got.Diagnostics)
				}
			case "lock":
				if got.Lock == nil || got.Lock.Operation != "apply" {
					t.Errorf("lock = %+v", got.Lock)
				}
			case "api":
				if got.Hint != "h" || got.Message != "exists" {
					t.Errorf("api error = %+v", got)
				}
			case "service":
				if got.Hint != "plan again" || got.Message != "stale" {
					t.Errorf("service error = %+v", got)
				}
			case "runtime":
				if got.Hint != "retry" || got.Message != "volumes in use" {
					t.Errorf("runtime error = %+v", got)
				}
			case "not found":
				if got.Hint != "devarch stack ls" || got.Message != `stack "x" not found` {
					t.Errorf("not-found error = %+v", got)
				}
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body, field string
		wantErr           bool
	}{
		{"ok", `{"name":"a"}`, "", false},
		{"empty", ``, "", false},
		{"unknown field", `{"name":"a","bogus":1}`, "bogus", true},
		{"wrong type", `{"name":5}`, "name", true},
		{"syntax", `{"name":`, "", true},
		{"trailing", `{"name":"a"} {}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v api.NameRequest
			err := decodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(tt.body)), &v)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			ae := toAPIError(err)
			if ae.Code != api.CodeInvalid {
				t.Errorf("code = %s, want invalid (%v)", ae.Code, err)
			}
			if tt.field != "" && (len(ae.Fields) != 1 || ae.Fields[0].Field != tt.field) {
				t.Errorf("fields = %+v, want %s", ae.Fields, tt.field)
			}
		})
	}
}

func TestEditRefusedWhileLocked(t *testing.T) {
	e := newSrvEnvWith(t, partsOptions{editLockWait: 20 * time.Millisecond}) // an edit waits this long for the lock
	e.stack("shop")
	release, err := e.s.Locks.Acquire(context.Background(), api.LockInfo{
		Stack: "shop", Operation: "apply", JobID: "J1", Who: "other@host", PID: 99, Exclusive: true,
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := e.stored("shop")
	got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{Overrides: core.Overrides{User: ptrTo("nobody")}, Mask: []string{"user"}}),
		http.StatusLocked, api.CodeLocked)
	if got.Lock == nil || got.Lock.JobID != "J1" || got.Lock.Operation != "apply" {
		t.Errorf("lock holder = %+v", got.Lock)
	}
	if e.stored("shop") != before {
		t.Error("a refused edit changed the stack")
	}
	release()
	srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{Overrides: core.Overrides{User: ptrTo("nobody")}, Mask: []string{"user"}}), http.StatusOK)
}

func ptrTo[T any](v T) *T { return &v }
