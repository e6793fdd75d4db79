package server

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

func TestApplyHappyPath(t *testing.T) {
	e := newTestEnv(t)
	p, raw := e.plan("shop", api.PlanRequest{})
	if len(p.Changes) != 2 {
		t.Fatalf("plan changes = %+v, want api and db created", p.Changes)
	}
	assertNoSecrets(t, "plan", raw)

	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobSucceeded {
		t.Fatalf("job = %+v, want succeeded", job)
	}
	if !strings.HasPrefix(job.Summary, "Apply complete: 2 created") {
		t.Errorf("summary = %q", job.Summary)
	}

	ap, ok := e.applied("shop")
	if !ok || ap.JobID != job.ID || ap.Partial || ap.Desired.Serial != 1 {
		t.Errorf("applied = %+v (found %v)", ap, ok)
	}
	if b := e.binding("shop"); b.Kind != "fake" {
		t.Errorf("runtime binding = %+v, want kind fake", b)
	}
	if _, ok := ap.Desired.Service("db"); !ok {
		t.Errorf("applied snapshot lacks db: %+v", ap.Desired.Services)
	}

	ups := e.rt.upCalls()
	if len(ups) != 1 || ups[0].Project != "devarch-shop" || ups[0].Workdir != e.s.filesDir("shop") {
		t.Fatalf("up calls = %+v", ups)
	}
	if !strings.Contains(ups[0].YAML, "devarch-shop-db") {
		t.Errorf("compose yaml lacks the db container:\n%s", ups[0].YAML)
	}

	dir := e.s.filesDir("shop")
	files := []struct {
		path, content string
		mode          fs.FileMode
	}{
		{"db/etc/tdb/tdb.conf", "max_connections=10\n", 0o640},
		{"db/etc/tdb/secret.conf", secretConfig, 0o600},
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			info, err := os.Stat(filepath.Join(dir, f.path))
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != f.mode {
				t.Errorf("mode = %o, want %o", info.Mode().Perm(), f.mode)
			}
			b, _ := os.ReadFile(filepath.Join(dir, f.path))
			if string(b) != f.content {
				t.Errorf("content = %q", b)
			}
		})
	}
	for _, d := range []string{dir, filepath.Join(dir, "db"), filepath.Join(dir, "db/etc/tdb")} {
		info, err := os.Stat(d)
		if err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("dir %s: %v, mode %v, want 0700", d, err, info.Mode().Perm())
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(e.s.Home, "stacks", ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary dirs left: %v", leftovers)
	}

	events := e.eventsText(job.ID)
	for _, want := range []string{`"instance":"db"`, `"instance":"api"`, `"state":"succeeded"`, "running, healthy"} {
		if !strings.Contains(events, want) {
			t.Errorf("events lack %s:\n%s", want, events)
		}
	}
	assertNoSecrets(t, "events", events)
	assertNoSecrets(t, "job", job.Error+job.Summary)
}

func TestApplyEmptyPlanCallsNoRuntime(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", job)
	}
	ups, downs := e.rt.counts()

	rec, job := e.apply("shop", api.ApplyRequest{})
	if rec.Code != http.StatusOK || job.State != api.JobSucceeded || job.Summary != "No changes." {
		t.Fatalf("second apply: %d %+v", rec.Code, job)
	}
	if u, d := e.rt.counts(); u != ups || d != downs {
		t.Errorf("runtime calls after an empty plan: up %d→%d, down %d→%d", ups, u, downs, d)
	}
	if got := e.s.Locks.Holders("shop"); len(got) != 0 {
		t.Errorf("lock left held: %v", got)
	}
	listed := decodeBody[[]api.Job](t, e.do("GET", "/v1/jobs", nil))
	if len(listed) != 2 || listed[0].ID != job.ID {
		t.Errorf("jobs = %+v, want the empty apply listed first", listed)
	}
}

func TestSavedPlanRefusals(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(e *testEnv, id string)
		stack   string
		status  int
		code    api.Code
		want    string
	}{
		{
			name: "stack changed since",
			prepare: func(e *testEnv, id string) {
				e.changeStack("shop", func(st *core.Stack) {
					st.Instances[0].Overrides.Ports = &[]core.Port{{Host: 8081, Container: 80}}
				})
			},
			stack: "shop", status: http.StatusConflict, code: api.CodeStalePlan,
		},
		{
			name: "applied twice",
			prepare: func(e *testEnv, id string) {
				if _, job := e.apply("shop", api.ApplyRequest{PlanID: id}); job.State != api.JobSucceeded {
					t.Fatalf("first apply of the plan: %+v", job)
				}
			},
			stack: "shop", status: http.StatusConflict, code: api.CodeStalePlan, want: "was already applied at",
		},
		{
			name:    "expired",
			prepare: func(e *testEnv, id string) { time.Sleep(30 * time.Millisecond) },
			stack:   "shop", status: http.StatusConflict, code: api.CodeStalePlan,
		},
		{
			name: "other stack",
			prepare: func(e *testEnv, id string) {
				if err := e.s.Store.Update(func(tx *store.Tx) error { return tx.PutStack(testStack("blog")) }); err != nil {
					t.Fatal(err)
				}
			},
			stack: "blog", status: http.StatusConflict, code: api.CodeStalePlan, want: `is for stack "shop"`,
		},
		{
			name:    "unknown id",
			prepare: func(e *testEnv, id string) {},
			stack:   "shop", status: http.StatusNotFound, code: api.CodeNotFound, want: "no saved plan",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := api.PlanRequest{Save: true}
			if tt.name == "expired" {
				req.TTL = core.Duration(time.Millisecond)
			}
			p, _ := e.plan("shop", req)
			if p.ID == "" {
				t.Fatal("saved plan has no ID")
			}
			tt.prepare(e, p.ID)
			ups, _ := e.rt.counts()
			id := p.ID
			if tt.name == "unknown id" {
				id = "0000000000000000"
			}
			rec := e.do("POST", "/v1/stacks/"+tt.stack+"/apply", api.ApplyRequest{PlanID: id})
			apiErr := wantError(t, rec, tt.status, tt.code)
			if apiErr.Message == "" || !strings.Contains(apiErr.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Message, tt.want)
			}
			if u, _ := e.rt.counts(); u != ups {
				t.Errorf("a refused plan reached the runtime (%d up calls)", u-ups)
			}
			if got := e.s.Locks.Holders(tt.stack); len(got) != 0 {
				t.Errorf("lock left held: %v", got)
			}
		})
	}
}

func TestSavedPlanAppliesAndIsMarked(t *testing.T) {
	e := newTestEnv(t)
	p, _ := e.plan("shop", api.PlanRequest{Save: true})
	_, job := e.apply("shop", api.ApplyRequest{PlanID: p.ID})
	if job.State != api.JobSucceeded || job.PlanID != p.ID {
		t.Fatalf("job = %+v", job)
	}
	var sp store.SavedPlan
	if err := e.s.Store.View(func(tx *store.Tx) error {
		var err error
		sp, err = tx.GetPlan(p.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if sp.AppliedAt == nil || sp.Plan.AppliedAt == nil {
		t.Error("saved plan not marked applied")
	}
}

func TestConcurrentApplyRefusedWithHolder(t *testing.T) {
	e := newTestEnv(t)
	unblock := make(chan struct{})
	entered := make(chan struct{})
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		if n == 1 {
			close(entered)
			<-unblock
		}
		return nil
	}
	rec := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{})
	first := decodeBody[api.Job](t, rec)
	<-entered

	view := decodeBody[api.LockView](t, e.do("GET", "/v1/stacks/shop/lock", nil))
	if len(view.Holders) != 1 || view.Holders[0].JobID != first.ID || view.Holders[0].Operation != "apply" {
		t.Errorf("lock view = %+v", view)
	}
	plan := e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{LockTimeout: core.Duration(20 * time.Millisecond)})
	wantError(t, plan, http.StatusLocked, api.CodeLocked)

	second := e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{})
	apiErr := wantError(t, second, http.StatusLocked, api.CodeLocked)
	if apiErr.Lock == nil || apiErr.Lock.JobID != first.ID || apiErr.Lock.Operation != "apply" {
		t.Errorf("refusal lock = %+v, want the first job as holder", apiErr.Lock)
	}
	if !strings.Contains(apiErr.Message, "apply (job "+first.ID+")") {
		t.Errorf("message = %q", apiErr.Message)
	}

	close(unblock)
	if job := e.waitJob(first.ID); job.State != api.JobSucceeded {
		t.Fatalf("first job = %+v", job)
	}
	if got := e.s.Locks.Holders("shop"); len(got) != 0 {
		t.Errorf("lock held after the job ended: %v", got)
	}
	if u, _ := e.rt.counts(); u != 1 {
		t.Errorf("up calls = %d, want 1", u)
	}
}

func TestApplyFailureRollsBackToPreviousSnapshot(t *testing.T) {
	e := newTestEnv(t)
	_, first := e.apply("shop", api.ApplyRequest{})
	if first.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", first)
	}
	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[0].Overrides.Ports = &[]core.Port{{Host: 9090, Container: 80}}
	})
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		if n == 2 {
			progress("Error response: DB_PASSWORD=" + dbPassword)
			return &runtime.ComposeError{Op: "up", Instance: "api",
				Reason: "port 8080 already allocated", Stderr: "bind failed; env " + dbPassword}
		}
		return nil
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobRolledBack {
		t.Fatalf("job = %+v, want rolled_back", job)
	}
	if job.Error != "instance api: port 8080 already allocated" || job.Instance != "api" {
		t.Errorf("job error = %q instance %q", job.Error, job.Instance)
	}
	ups := e.rt.upCalls()
	if len(ups) != 3 {
		t.Fatalf("up calls = %d, want first, failed, rollback", len(ups))
	}
	if ups[2].YAML != ups[0].YAML {
		t.Errorf("rollback did not bring up the previous snapshot:\n%s\nwant\n%s", ups[2].YAML, ups[0].YAML)
	}
	if ap, _ := e.applied("shop"); ap.JobID != first.ID || ap.Partial {
		t.Errorf("applied snapshot = job %s partial %v, want the first job's", ap.JobID, ap.Partial)
	}
	events := e.eventsText(job.ID)
	if !strings.Contains(events, "rolled back") || !strings.Contains(events, `"state":"rolled_back"`) {
		t.Errorf("events lack the rollback:\n%s", events)
	}
	assertNoSecrets(t, "events", events)
	if got := e.s.Locks.Holders("shop"); len(got) != 0 {
		t.Errorf("lock held after failure: %v", got)
	}
}

func TestApplyFailureWithoutSnapshotRemovesProject(t *testing.T) {
	e := newTestEnv(t)
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		return &runtime.ComposeError{Op: "up", Instance: "db", Reason: "image not found"}
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobFailed || job.Error != "instance db: image not found" {
		t.Fatalf("job = %+v", job)
	}
	downs := e.rt.downCalls()
	if len(downs) != 1 || downs[0].Project != "devarch-shop" {
		t.Fatalf("down calls = %+v", downs)
	}
	if _, ok := e.applied("shop"); ok {
		t.Error("a failed first apply recorded a snapshot")
	}
	if _, err := os.Stat(e.s.filesDir("shop")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("config files left after cleanup: %v", err)
	}
}

func TestRollbackFailureRecordsPartial(t *testing.T) {
	e := newTestEnv(t)
	if _, first := e.apply("shop", api.ApplyRequest{}); first.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", first)
	}
	e.changeStack("shop", func(st *core.Stack) { st.Instances[0].Overrides.Ports = &[]core.Port{{Host: 9090, Container: 80}} })
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		if n > 1 {
			return &runtime.ComposeError{Op: "up", Instance: "api", Reason: "port 9090 already allocated"}
		}
		return nil
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobFailed || !strings.Contains(job.Error, "port 9090 already allocated") ||
		!strings.Contains(job.Error, "rollback") {
		t.Fatalf("job = %+v", job)
	}
	ap, ok := e.applied("shop")
	if !ok || !ap.Partial || !strings.Contains(ap.Note, "rollback failed") {
		t.Errorf("applied = partial %v note %q", ap.Partial, ap.Note)
	}
}

func TestVerifyFailureNamesInstance(t *testing.T) {
	tests := []struct {
		name   string
		adjust func(c *runtime.Container)
		want   string
	}{
		{"exited", func(c *runtime.Container) { c.State = "exited" }, "instance db: container devarch-shop-db exited"},
		{"unhealthy", func(c *runtime.Container) { c.Health = "unhealthy" }, "instance db: container devarch-shop-db is unhealthy"},
		{"never healthy", func(c *runtime.Container) { c.Health = "starting" }, "instance db: container devarch-shop-db not ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.runner.Timeouts.Verify = 100 * time.Millisecond
			e.rt.afterUp = func(cs map[string]runtime.Container) {
				c := cs["devarch-shop-db"]
				tt.adjust(&c)
				cs["devarch-shop-db"] = c
			}
			_, job := e.apply("shop", api.ApplyRequest{})
			if job.State != api.JobFailed || job.Instance != "db" || !strings.HasPrefix(job.Error, tt.want) {
				t.Fatalf("job = %+v, want failed with %q", job, tt.want)
			}
		})
	}
}

func TestForeignContainerNeverTouched(t *testing.T) {
	e := newTestEnv(t)
	e.rt.addForeign("devarch-shop-db")

	p, _ := e.plan("shop", api.PlanRequest{})
	want := "container devarch-shop-db exists without devarch labels; it will not be touched"
	found := false
	for _, w := range p.Warnings {
		found = found || w == want
	}
	if !found {
		t.Errorf("plan warnings = %q, want %q", p.Warnings, want)
	}

	_, job := e.apply("shop", api.ApplyRequest{})
	wantErr := "instance db: a container named devarch-shop-db exists without devarch labels; remove or rename it"
	if job.State != api.JobFailed || job.Error != wantErr || job.Instance != "db" {
		t.Fatalf("job = %+v", job)
	}
	if u, d := e.rt.counts(); u != 0 || d != 0 {
		t.Errorf("runtime touched the project: %d up, %d down calls", u, d)
	}
	e.rt.mu.Lock()
	c, ok := e.rt.containers["devarch-shop-db"]
	e.rt.mu.Unlock()
	if !ok || c.ID != "foreign" {
		t.Errorf("foreign container changed: %+v", c)
	}
}

func TestCancelApplyCleansUp(t *testing.T) {
	e := newTestEnv(t)
	entered := make(chan struct{})
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		if n == 1 {
			close(entered)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	job := decodeBody[api.Job](t, e.do("POST", "/v1/stacks/shop/apply", api.ApplyRequest{}))
	<-entered
	rec := e.do("POST", "/v1/jobs/"+job.ID+"/cancel", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body.String())
	}
	got := e.waitJob(job.ID)
	if got.State != api.JobCancelled {
		t.Fatalf("job = %+v, want cancelled", got)
	}
	if _, d := e.rt.counts(); d != 1 {
		t.Errorf("down calls = %d, want 1 (remove what the cancelled apply created)", d)
	}
	if h := e.s.Locks.Holders("shop"); len(h) != 0 {
		t.Errorf("lock held after cancel: %v", h)
	}
}
