package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// Secret values of the test templates; none may ever leave the daemon.
const (
	dbPassword   = "pw-Zq81-never-shown"
	secretConfig = "token=cfg-Kx77-never-shown"
)

// testEnv is the daemon (parts) on a real store in a temp dir with a fake runtime,
// serving every route through an in-process mux.
type testEnv struct {
	t      *testing.T
	s      *parts
	runner *apply.Runner
	rt     *fakeRuntime
	mux    *http.ServeMux
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	home := t.TempDir()
	s := newParts(t, home, openStoreWithKey(t, home, 7), partsOptions{})
	rt := newFakeRuntime()
	s.open = func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) {
		if spec.Kind == "" {
			spec.Kind = "fake"
		}
		return rt, spec, nil
	}
	s.Runner.Timeouts.Verify, s.Runner.Timeouts.VerifyInterval = 2*time.Second, 5*time.Millisecond
	e := &testEnv{t: t, s: s, runner: s.Runner, rt: rt, mux: s.Srv.routes()}
	e.seed()
	return e
}

func testTemplates() []core.Template {
	return []core.Template{
		{
			Name:  "tdb",
			Image: "docker.io/library/tdb:1",
			Env: map[string]core.EnvVar{
				"DB_PASSWORD": {Value: dbPassword, Secret: true},
				"DB_USER":     {Value: "app"},
			},
			Healthcheck: &core.Healthcheck{Test: []string{"CMD", "true"}},
			Files: []core.ConfigFile{
				{Target: "/etc/tdb/tdb.conf", Content: "max_connections=10\n", Mode: 0o640},
				{Target: "/etc/tdb/secret.conf", Content: secretConfig, Sensitive: true},
			},
			Exports: []core.Export{{Name: "db", Type: core.ContractPostgres, Port: 5432,
				Env: map[string]string{"DB_HOST": "{{.Host}}", "DB_PASS": "{{.Env.DB_PASSWORD}}"}}},
		},
		{
			Name:    "tapi",
			Image:   "docker.io/library/tapi:1",
			Ports:   []core.Port{{Host: 8080, Container: 80}},
			Imports: []core.Import{{Name: "db", Type: core.ContractPostgres}},
		},
	}
}

func testStack(name string) core.Stack {
	now := time.Now().UTC()
	return core.Stack{
		Name:    name,
		Lineage: "lineage-" + name,
		Serial:  1,
		Instances: []core.Instance{
			{Name: "api", Template: "tapi", Enabled: true},
			{Name: "db", Template: "tdb", Enabled: true},
		},
		CreatedAt: now,
		UpdatedAt: now,
	}
}

func (e *testEnv) seed() {
	e.t.Helper()
	err := e.s.Store.Update(func(tx *store.Tx) error {
		for _, tpl := range testTemplates() {
			if err := tx.PutTemplate(tpl); err != nil {
				return err
			}
		}
		return tx.PutStack(testStack("shop"))
	})
	if err != nil {
		e.t.Fatalf("seed store: %v", err)
	}
}

// changeStack edits stack name and bumps its serial, as a committed change does.
func (e *testEnv) changeStack(name string, fn func(st *core.Stack)) {
	e.t.Helper()
	err := e.s.Store.Update(func(tx *store.Tx) error {
		st, err := tx.GetStack(name)
		if err != nil {
			return err
		}
		fn(&st)
		st.Serial++
		st.UpdatedAt = time.Now().UTC()
		return tx.PutStack(st)
	})
	if err != nil {
		e.t.Fatalf("change stack: %v", err)
	}
}

func (e *testEnv) do(method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec
}

func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %d %s: %v", v, rec.Code, rec.Body.String(), err)
	}
	return v
}

// wantError asserts rec is an error with status and code and returns it.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code api.Code) *api.Error {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	body := decodeBody[api.ErrorBody](t, rec)
	if body.Error == nil || body.Error.Code != code {
		t.Fatalf("error = %+v, want code %s", body.Error, code)
	}
	return body.Error
}

// plan posts a plan request and returns the plan and its raw JSON.
func (e *testEnv) plan(stack string, req api.PlanRequest) (planJSON, string) {
	e.t.Helper()
	rec := e.do("POST", "/v1/stacks/"+stack+"/plan", req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("plan: %d %s", rec.Code, rec.Body.String())
	}
	return decodeBody[planJSON](e.t, rec), rec.Body.String()
}

type planJSON struct {
	ID       string   `json:"id"`
	Stack    string   `json:"stack"`
	Warnings []string `json:"warnings"`
	Changes  []struct {
		Instance string `json:"instance"`
		Action   string `json:"action"`
	} `json:"changes"`
	Network     string `json:"network"`
	RuntimeKind string `json:"runtime_kind"`
}

// apply posts an apply request and, when it started a job, waits for it.
func (e *testEnv) apply(stack string, req api.ApplyRequest) (*httptest.ResponseRecorder, api.Job) {
	e.t.Helper()
	rec := e.do("POST", "/v1/stacks/"+stack+"/apply", req)
	if rec.Code != http.StatusOK {
		return rec, api.Job{}
	}
	job := decodeBody[api.Job](e.t, rec)
	return rec, e.waitJob(job.ID)
}

func (e *testEnv) waitJob(id string) api.Job {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.s.Jobs.Follow(ctx, id, func(api.Event) error { return nil }); err != nil {
		e.t.Fatalf("follow job %s: %v", id, err)
	}
	job, err := e.s.Jobs.Get(id)
	if err != nil {
		e.t.Fatal(err)
	}
	if !job.State.Done() {
		e.t.Fatalf("job %s still %s after its final event", id, job.State)
	}
	return job
}

// eventsText returns every event of job id as one string.
func (e *testEnv) eventsText(id string) string {
	e.t.Helper()
	rec := e.do("GET", "/v1/jobs/"+id+"/events", nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("events: %d %s", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// binding reads the runtime stack is bound to; kind "" when it has none.
func (e *testEnv) binding(stack string) store.RuntimeBinding {
	e.t.Helper()
	var b store.RuntimeBinding
	err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		if b, err = tx.GetBinding(stack); store.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *testEnv) applied(stack string) (store.Applied, bool) {
	e.t.Helper()
	var ap store.Applied
	found := true
	err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		ap, err = tx.GetApplied(stack)
		if store.IsNotFound(err) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ap, found
}

// assertNoSecrets fails when any secret value appears in text.
func assertNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range []string{dbPassword, secretConfig, "cfg-Kx77"} {
		if strings.Contains(text, v) {
			t.Errorf("%s shows secret %q:\n%s", what, v, text)
		}
	}
}
