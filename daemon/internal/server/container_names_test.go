package server

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// putRawStack stores st as is, bypassing every check: data written before
// container-name clashes were refused.
func putRawStack(t *testing.T, s *parts, st core.Stack) {
	t.Helper()
	if st.Lineage == "" {
		st.Lineage = "lineage-" + st.Name
	}
	if st.Serial == 0 {
		st.Serial = 1
	}
	if err := s.Store.Update(func(tx *store.Tx) error { return tx.PutStack(st) }); err != nil {
		t.Fatalf("store stack %s: %v", st.Name, err)
	}
}

// TestContainerNameClashRefused: stack rv1-k instance y and stack rv1
// instance k-y would both run as devarch-rv1-k-y. Every write that can
// create the clash refuses it, naming the other stack and instance and the
// rule, and leaves the database byte-identical.
func TestContainerNameClashRefused(t *testing.T) {
	e := newSrvEnv(t)
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "rv1"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/rv1/instances", api.InstanceAddRequest{Name: "k-y", Template: "xcache"}), http.StatusCreated)
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "rv1-k"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/rv1-k/instances", api.InstanceAddRequest{Name: "w", Template: "xcache"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/rv1-k/instances", api.InstanceAddRequest{Name: "z", Template: "xcache", Disabled: true}), http.StatusCreated)

	// The imports create a new stack imp-x whose instance k-y clashes with
	// instance x-k-y of stack imp.
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "imp"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/imp/instances", api.InstanceAddRequest{Name: "x-k-y", Template: "xcache"}), http.StatusCreated)
	devfile := "version: 1\nstack:\n  name: imp-x\ninstances:\n  k-y:\n    template: xcache\n"
	composeFile := "services:\n  k-y:\n    image: docker.io/library/redis:7\n"
	// The other way round, the new stack's name is the shorter one: a new
	// stack sh whose instance a-b clashes with instance b of stack sh-a
	// (the container names index is gone: the owners are found by reading
	// stack sh-a, a name ending at one of devarch-sh-a-b's hyphens).
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "sh-a"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/sh-a/instances", api.InstanceAddRequest{Name: "b", Template: "xcache"}), http.StatusCreated)
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "src2"}), http.StatusCreated)
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/src2/instances", api.InstanceAddRequest{Name: "a-b", Template: "xcache"}), http.StatusCreated)
	shortDevfile := "version: 1\nstack:\n  name: sh\ninstances:\n  a-b:\n    template: xcache\n"
	shortCompose := "services:\n  a-b:\n    image: docker.io/library/redis:7\n"

	tests := []struct {
		name      string
		method    string
		path      string
		body      any
		field     string // the field the error names
		container string // the clashing container name
		owner     string // the other stack and instance
	}{
		{"instance add", "POST", "/v1/stacks/rv1-k/instances", api.InstanceAddRequest{Name: "y", Template: "xcache"},
			"instances.y", "devarch-rv1-k-y", `stack "rv1" instance "k-y"`},
		{"instance add, the other way round", "POST", "/v1/stacks/rv1/instances", api.InstanceAddRequest{Name: "k-w", Template: "xcache"},
			"instances.k-w", "devarch-rv1-k-w", `stack "rv1-k" instance "w"`},
		{"a disabled instance keeps its name", "POST", "/v1/stacks/rv1/instances", api.InstanceAddRequest{Name: "k-z", Template: "xcache"},
			"instances.k-z", "devarch-rv1-k-z", `stack "rv1-k" instance "z"`},
		{"instance rename", "POST", "/v1/stacks/rv1-k/instances/w/rename", api.NameRequest{Name: "y"},
			"instances.y", "devarch-rv1-k-y", `stack "rv1" instance "k-y"`},
		{"instance duplicate", "POST", "/v1/stacks/rv1-k/instances/w/duplicate", api.NameRequest{Name: "y"},
			"instances.y", "devarch-rv1-k-y", `stack "rv1" instance "k-y"`},
		{"import of a devarch.yml", "POST", "/v1/import", api.ImportRequest{Content: devfile},
			"instances.k-y", "devarch-imp-x-k-y", `stack "imp" instance "x-k-y"`},
		{"import-compose", "POST", "/v1/import-compose", api.ImportComposeRequest{Content: composeFile, Stack: "imp-x"},
			"instances.k-y", "devarch-imp-x-k-y", `stack "imp" instance "x-k-y"`},
		{"stack copy", "POST", "/v1/stacks/rv1/copy", api.StackCopyRequest{Name: "imp-x"},
			"instances.k-y", "devarch-imp-x-k-y", `stack "imp" instance "x-k-y"`},
		{"import of a devarch.yml, the new stack the shorter name", "POST", "/v1/import", api.ImportRequest{Content: shortDevfile},
			"instances.a-b", "devarch-sh-a-b", `stack "sh-a" instance "b"`},
		{"import-compose, the new stack the shorter name", "POST", "/v1/import-compose", api.ImportComposeRequest{Content: shortCompose, Stack: "sh"},
			"instances.a-b", "devarch-sh-a-b", `stack "sh-a" instance "b"`},
		{"stack copy, the new stack the shorter name", "POST", "/v1/stacks/src2/copy", api.StackCopyRequest{Name: "sh"},
			"instances.a-b", "devarch-sh-a-b", `stack "sh-a" instance "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.dbSum()
			got := srvErr(t, e.do(tt.method, tt.path, tt.body), http.StatusBadRequest, api.CodeInvalid)
			if !hasField(got, tt.field) {
				t.Errorf("error names fields %+v, want %s", got.Fields, tt.field)
			}
			for _, w := range []string{tt.container, tt.owner, "must be unique across stacks"} {
				if !strings.Contains(got.Message, w) {
					t.Errorf("error %q lacks %q", got.Message, w)
				}
			}
			if e.dbSum() != before {
				t.Error("a refused write changed the database")
			}
		})
	}

	// Names that only look alike are fine, and so is an edit of a stack
	// whose names do not clash.
	srvOK[core.Instance](t, e.do("POST", "/v1/stacks/rv1-k/instances", api.InstanceAddRequest{Name: "k-y", Template: "xcache"}), http.StatusCreated)
	srvOK[api.RenamedInstance](t, e.do("POST", "/v1/stacks/rv1-k/instances/w/rename", api.NameRequest{Name: "v"}), http.StatusOK)
}

// TestContainerNameClashInOldData: a clash already stored (before such
// writes were refused) does not block unrelated edits, but plan and apply
// of either stack report it as an error naming the other stack and
// instance; a destroy still plans.
func TestContainerNameClashInOldData(t *testing.T) {
	e := newTestEnv(t)
	db := core.Instance{Name: "y", Template: "tdb", Enabled: true}
	putRawStack(t, e.s, core.Stack{Name: "rv1-k", Instances: []core.Instance{db}})
	db.Name = "k-y"
	putRawStack(t, e.s, core.Stack{Name: "rv1", Instances: []core.Instance{db}})

	if rec := e.do("PATCH", "/v1/stacks/rv1", api.StackSetRequest{Description: ptrTo("unrelated edit")}); rec.Code != http.StatusOK {
		t.Fatalf("an unrelated edit of a stack with an old clash was refused: %d %s", rec.Code, rec.Body.String())
	}

	tests := []struct {
		stack, instance, owner string
	}{
		{"rv1", "k-y", `stack "rv1-k" instance "y"`},
		{"rv1-k", "y", `stack "rv1" instance "k-y"`},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			for _, path := range []string{"/v1/stacks/" + tt.stack + "/plan", "/v1/stacks/" + tt.stack + "/apply"} {
				got := wantError(t, e.do("POST", path, nil), http.StatusBadRequest, api.CodeInvalid)
				if len(got.Diagnostics) != 1 || got.Diagnostics[0].Instance != tt.instance ||
					got.Diagnostics[0].Severity != core.SeverityError {
					t.Fatalf("%s: diagnostics = %+v", path, got.Diagnostics)
				}
				d := got.Diagnostics[0]
				for _, w := range []string{"devarch-rv1-k-y", tt.owner, "must be unique across stacks"} {
					if !strings.Contains(d.Message, w) {
						t.Errorf("%s: %q lacks %q", path, d.Message, w)
					}
				}
				if !strings.Contains(d.Hint, "devarch instance rename "+tt.stack+" "+tt.instance) {
					t.Errorf("%s: hint = %q", path, d.Hint)
				}
			}
			if rec := e.do("POST", "/v1/stacks/"+tt.stack+"/plan", api.PlanRequest{Destroy: true}); rec.Code != http.StatusOK {
				t.Errorf("destroy plan: %d %s", rec.Code, rec.Body.String())
			}
		})
	}
	if u, d := e.rt.counts(); u != 0 || d != 0 {
		t.Errorf("runtime touched: %d up, %d down calls", u, d)
	}
}

// TestImportOverStackRefusesClash: an import over an existing stack
// becomes a plan; a clash with another stack's container name refuses it
// and saves nothing.
func TestImportOverStackRefusesClash(t *testing.T) {
	e := newTestEnv(t)
	putRawStack(t, e.s, core.Stack{Name: "rv1", Instances: []core.Instance{{Name: "k-y", Template: "tdb", Enabled: true}}})
	putRawStack(t, e.s, core.Stack{Name: "rv1-k"})
	file := "version: 1\nstack:\n  name: rv1-k\ninstances:\n  y:\n    template: tdb\n"
	before := storedStacks(t, e.s)
	got := wantError(t, e.do("POST", "/v1/import", api.ImportRequest{Content: file}), http.StatusBadRequest, api.CodeInvalid)
	if len(got.Diagnostics) != 1 || !strings.Contains(got.Diagnostics[0].Message, `stack "rv1" instance "k-y"`) {
		t.Fatalf("error = %+v", got)
	}
	if after := storedStacks(t, e.s); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused import changed the stacks:\n%+v\n%+v", before, after)
	}
}

// storedStacks returns every stored stack.
func storedStacks(t *testing.T, s *parts) []core.Stack {
	t.Helper()
	var out []core.Stack
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.ListStacks()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestContainerOfAnotherStack: a container named like one of ours that
// carries another stack's devarch labels is described as that stack's,
// never as one "without devarch labels" to remove.
func TestContainerOfAnotherStack(t *testing.T) {
	e := newTestEnv(t)
	putRawStack(t, e.s, core.Stack{Name: "rv1-k", Instances: []core.Instance{{Name: "y", Template: "tdb", Enabled: true}}})
	e.rt.mu.Lock()
	e.rt.containers["devarch-rv1-k-y"] = runtime.Container{ID: "theirs", Name: "devarch-rv1-k-y", State: "running",
		Labels: map[string]string{core.LabelManaged: "true", core.LabelStack: "rv1", core.LabelInstance: "k-y"}}
	e.rt.mu.Unlock()

	p, _ := e.plan("rv1-k", api.PlanRequest{})
	want := `container devarch-rv1-k-y belongs to stack "rv1" (instance "k-y"); it will not be touched`
	found := false
	for _, w := range p.Warnings {
		found = found || w == want
		if strings.Contains(w, "without devarch labels") {
			t.Errorf("warning calls another stack's container unlabelled: %q", w)
		}
	}
	if !found {
		t.Errorf("plan warnings = %q, want %q", p.Warnings, want)
	}

	_, job := e.apply("rv1-k", api.ApplyRequest{})
	if job.State != api.JobFailed || job.Instance != "y" {
		t.Fatalf("job = %+v", job)
	}
	for _, w := range []string{`instance y: a container named devarch-rv1-k-y belongs to stack "rv1" (instance "k-y")`,
		"let stack rv1 remove it", "devarch instance rename rv1-k y"} {
		if !strings.Contains(job.Error, w) {
			t.Errorf("job error %q lacks %q", job.Error, w)
		}
	}
	if strings.Contains(job.Error, "without devarch labels") || strings.Contains(job.Error, "remove or rename it") {
		t.Errorf("job error invites removing another stack's container: %q", job.Error)
	}
	if u, d := e.rt.counts(); u != 0 || d != 0 {
		t.Errorf("runtime touched: %d up, %d down calls", u, d)
	}
	e.rt.mu.Lock()
	c := e.rt.containers["devarch-rv1-k-y"]
	e.rt.mu.Unlock()
	if c.ID != "theirs" {
		t.Errorf("the other stack's container changed: %+v", c)
	}
}

// volTemplate has a named volume (scoped per instance) and a host path.
var volTemplate = core.Template{
	Name:    "xvol",
	Image:   "docker.io/library/postgres:16",
	Volumes: []core.Volume{{Source: "pgdata", Target: "/var/lib/postgresql/data"}, {Source: "/srv/seed", Target: "/seed", ReadOnly: true}},
}

func (e *srvEnv) putTemplate(tpl core.Template) {
	e.t.Helper()
	if err := e.s.Store.Update(func(tx *store.Tx) error { return tx.PutTemplate(tpl) }); err != nil {
		e.t.Fatal(err)
	}
}

func (e *srvEnv) instance(stack, name string) api.InstanceView {
	e.t.Helper()
	return srvOK[api.InstanceView](e.t, e.do("GET", "/v1/stacks/"+stack+"/instances/"+name+"?effective=1", nil), http.StatusOK)
}

func volumeSources(vs []core.Volume) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Source)
	}
	return out
}

// TestRenameKeepsVolumes: renaming an instance keeps its data: template
// volumes scoped to the old name are pinned as its volumes override and
// reported; an override it already has is kept as it is.
func TestRenameKeepsVolumes(t *testing.T) {
	tests := []struct {
		name      string
		template  string
		override  *[]core.Volume
		wantKept  []string
		wantAfter []string // effective volume sources after the rename
		wantPin   bool     // a volumes override is set by the rename
	}{
		{"template volumes are pinned", "xvol", nil,
			[]string{"db-pgdata"}, []string{"db-pgdata", "/srv/seed"}, true},
		{"an override is kept as is", "xvol", &[]core.Volume{{Source: "shared", Target: "/var/lib/postgresql/data"}},
			nil, []string{"shared"}, true},
		{"no named volumes, nothing to pin", "xcache", nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSrvEnv(t)
			e.putTemplate(volTemplate)
			srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "s"}), http.StatusCreated)
			srvOK[core.Instance](t, e.do("POST", "/v1/stacks/s/instances", api.InstanceAddRequest{Name: "db", Template: tt.template}), http.StatusCreated)
			if tt.override != nil {
				srvOK[api.InstanceView](t, e.do("PATCH", "/v1/stacks/s/instances/db", core.InstanceUpdate{Overrides: core.Overrides{Volumes: tt.override}, Mask: []string{"volumes"}}), http.StatusOK)
			}
			before := volumeSources(e.instance("s", "db").Effective.Volumes)

			got := srvOK[api.RenamedInstance](t, e.do("POST", "/v1/stacks/s/instances/db/rename", api.NameRequest{Name: "main"}), http.StatusOK)
			if got.Name != "main" || !reflect.DeepEqual(got.KeptVolumes, tt.wantKept) {
				t.Errorf("answer = name %q kept %v, want main kept %v", got.Name, got.KeptVolumes, tt.wantKept)
			}
			after := e.instance("s", "main")
			if src := volumeSources(after.Effective.Volumes); !reflect.DeepEqual(src, tt.wantAfter) || !reflect.DeepEqual(src, before) {
				t.Errorf("effective volumes %v -> %v, want %v both", before, src, tt.wantAfter)
			}
			if pinned := after.Instance.Overrides.Volumes != nil; pinned != tt.wantPin {
				t.Errorf("volumes override set = %v, want %v", pinned, tt.wantPin)
			}
		})
	}
}

// TestDuplicateNeverSharesVolumes: a copy never shares the source's data.
// Volumes of the copied override scoped to the source (SRC-x, or a template
// volume kept under an older name by a rename) become DST-x; other named
// volumes and host paths stay.
func TestDuplicateNeverSharesVolumes(t *testing.T) {
	data := "/var/lib/postgresql/data"
	tests := []struct {
		name        string
		setup       func(e *srvEnv) string // returns the instance to duplicate
		wantRenamed map[string]string
		wantCopy    []string // effective volume sources of the copy
		wantSource  []string // of the source, unchanged
	}{
		{"template volumes are scoped anew", func(e *srvEnv) string { return "db" },
			nil, []string{"cp-pgdata", "/srv/seed"}, []string{"db-pgdata", "/srv/seed"}},
		{"override volumes scoped to the source", func(e *srvEnv) string {
			srvOK[api.InstanceView](e.t, e.do("PATCH", "/v1/stacks/s/instances/db", core.InstanceUpdate{
				Overrides: core.Overrides{
					Volumes: &[]core.Volume{
						{Source: "db-pgdata", Target: data}, {Source: "db-logs", Target: "/logs"},
						{Source: "shared", Target: "/shared"}, {Source: "/srv/x", Target: "/x"},
					},
				},
				Mask: []string{"volumes"},
			}), http.StatusOK)
			return "db"
		}, map[string]string{"db-pgdata": "cp-pgdata", "db-logs": "cp-logs"},
			[]string{"cp-pgdata", "cp-logs", "shared", "/srv/x"}, []string{"db-pgdata", "db-logs", "shared", "/srv/x"}},
		{"volumes kept by an earlier rename", func(e *srvEnv) string {
			srvOK[api.RenamedInstance](e.t, e.do("POST", "/v1/stacks/s/instances/db/rename", api.NameRequest{Name: "main"}), http.StatusOK)
			return "main"
		}, map[string]string{"db-pgdata": "cp-pgdata"},
			[]string{"cp-pgdata", "/srv/seed"}, []string{"db-pgdata", "/srv/seed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSrvEnv(t)
			e.putTemplate(volTemplate)
			srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "s"}), http.StatusCreated)
			srvOK[core.Instance](t, e.do("POST", "/v1/stacks/s/instances", api.InstanceAddRequest{Name: "db", Template: "xvol"}), http.StatusCreated)
			src := tt.setup(e)

			got := srvOK[api.RenamedInstance](t, e.do("POST", "/v1/stacks/s/instances/"+src+"/duplicate", api.NameRequest{Name: "cp"}), http.StatusCreated)
			if got.Name != "cp" || !reflect.DeepEqual(got.RenamedVolumes, tt.wantRenamed) {
				t.Errorf("answer = name %q renamed %v, want cp renamed %v", got.Name, got.RenamedVolumes, tt.wantRenamed)
			}
			if vs := volumeSources(e.instance("s", "cp").Effective.Volumes); !reflect.DeepEqual(vs, tt.wantCopy) {
				t.Errorf("copy volumes = %v, want %v", vs, tt.wantCopy)
			}
			if vs := volumeSources(e.instance("s", src).Effective.Volumes); !reflect.DeepEqual(vs, tt.wantSource) {
				t.Errorf("source volumes = %v, want %v", vs, tt.wantSource)
			}
		})
	}
}
