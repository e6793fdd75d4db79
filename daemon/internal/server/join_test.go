package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// newJoinEnv is a testEnv that also serves the stack and instance routes.
func newJoinEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	return e
}

// createStack creates stack name joining join, with instances as NAME=TEMPLATE.
func (e *testEnv) createStack(name string, join []string, instances ...string) {
	e.t.Helper()
	if rec := e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: name, JoinNetworks: join}); rec.Code != http.StatusCreated {
		e.t.Fatalf("create stack %s: %d %s", name, rec.Code, rec.Body)
	}
	for _, in := range instances {
		inst, tpl, _ := strings.Cut(in, "=")
		if rec := e.do("POST", "/v1/stacks/"+name+"/instances", api.InstanceAddRequest{Name: inst, Template: tpl}); rec.Code != http.StatusCreated {
			e.t.Fatalf("add instance %s to %s: %d %s", inst, name, rec.Code, rec.Body)
		}
	}
}

// storedJSON is stack name as stored, as JSON, or "missing: ..." when it is not.
func (e *testEnv) storedJSON(name string) string {
	e.t.Helper()
	out, err := storedStackJSON(e.s, name)
	if err != nil {
		return "missing: " + err.Error()
	}
	return out
}

// wantSharedName checks a refusal names both stacks, the instance, the
// network and the rule.
func wantSharedName(t *testing.T, what, msg string, stacks []string, instance, network string) {
	t.Helper()
	for _, want := range append(stacks, `instance "`+instance+`"`, core.NetworkName(network), "instance names must be unique among stacks that share a network", "DNS alias") {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q lacks %q", what, msg, want)
		}
	}
}

// Compose adds a service's name as a DNS alias on every network it joins,
// so a stack joining another's network must not bring an instance name a
// stack on that network has: refused when the join or the instance is
// added, naming both stacks, the instance and the rule; nothing is stored.
func TestJoinRefusesSharedInstanceNames(t *testing.T) {
	e := newJoinEnv(t)
	e.createStack("infra", nil, "db=tdb")

	// shop (api, db) joining infra (db).
	before := e.storedJSON("shop")
	join := []string{"infra"}
	rec := e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &join})
	got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "stack set --join", got.Message, []string{`stack "shop"`, `stack "infra"`}, "db", "infra")
	if len(got.Fields) != 1 || got.Fields[0].Field != "stack.join_networks[0]" || !strings.Contains(got.Fields[0].Hint, "devarch instance rename shop db") {
		t.Errorf("fields = %+v; want stack.join_networks[0] with a rename hint", got.Fields)
	}
	if e.storedJSON("shop") != before {
		t.Error("the refused join was stored")
	}

	// A joiner created empty gets no instance infra has...
	e.createStack("app", []string{"infra"}, "cache=tdb")
	rec = e.do("POST", "/v1/stacks/app/instances", api.InstanceAddRequest{Name: "db", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in the joiner", got.Message, []string{`stack "app"`, `stack "infra"`}, "db", "infra")
	if len(got.Fields) != 1 || got.Fields[0].Field != "instances.db" {
		t.Errorf("fields = %+v; want instances.db", got.Fields)
	}
	// ...infra gets no instance its joiner has...
	rec = e.do("POST", "/v1/stacks/infra/instances", api.InstanceAddRequest{Name: "cache", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in the joined stack", got.Message, []string{`stack "infra"`, `stack "app"`}, "cache", "infra")
	// ...and two stacks joining infra share no name either.
	e.createStack("app2", []string{"infra"})
	rec = e.do("POST", "/v1/stacks/app2/instances", api.InstanceAddRequest{Name: "cache", Template: "tdb"})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "instance add in a second joiner", got.Message, []string{`stack "app2"`, `stack "app"`}, "cache", "infra")
	if !strings.Contains(got.Message, `both join the network of stack "infra"`) {
		t.Errorf("message = %q; want it to say both join infra's network", got.Message)
	}
	// Other names are fine, and so is a name of a stack on no shared network.
	e.createStack("lone", nil, "db=tdb")
	if rec := e.do("POST", "/v1/stacks/app2/instances", api.InstanceAddRequest{Name: "queue", Template: "tdb"}); rec.Code != http.StatusCreated {
		t.Errorf("add queue to app2: %d %s", rec.Code, rec.Body)
	}

	// Older data with a clash is refused at plan, naming both stacks.
	e.changeStack("app", func(st *core.Stack) {
		st.Instances = append(st.Instances, core.Instance{Name: "db", Template: "tdb", Enabled: true})
	})
	rec = e.do("POST", "/v1/stacks/app/plan", api.PlanRequest{})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "plan", got.Message, []string{`stack "app"`, `stack "infra"`}, "db", "infra")
	if len(got.Diagnostics) == 0 || got.Diagnostics[0].Instance != "db" || !strings.Contains(got.Diagnostics[0].Hint, "stack set app --no-join") {
		t.Errorf("diagnostics = %+v; want instance db with a --no-join hint", got.Diagnostics)
	}
	rec = e.do("POST", "/v1/stacks/infra/plan", api.PlanRequest{})
	got = wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	wantSharedName(t, "plan of the joined stack", got.Message, []string{`stack "infra"`, `stack "app"`}, "db", "infra")
	if ups, _ := e.rt.counts(); ups != 0 {
		t.Errorf("runtime got %d up(s)", ups)
	}
	// Leaving the network clears it.
	none := []string{}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Errorf("apply after leaving the network: %+v", job)
	}
}

// A stack can join only the network of a stack that exists.
func TestJoinRefusesMissingStack(t *testing.T) {
	e := newJoinEnv(t)
	rec := e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "app", JoinNetworks: []string{"ghost"}})
	got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
	if len(got.Fields) != 1 || got.Fields[0].Field != "stack.join_networks[0]" || !strings.Contains(got.Message, `stack "ghost" does not exist`) {
		t.Errorf("create --join ghost: %+v", got)
	}
	if s := e.storedJSON("app"); !strings.HasPrefix(s, "missing") {
		t.Errorf("refused stack stored: %s", s)
	}

	before := e.storedJSON("shop")
	join := []string{"ghost"}
	got = wantError(t, e.do("PATCH", "/v1/stacks/shop", api.StackSetRequest{JoinNetworks: &join}), http.StatusBadRequest, api.CodeInvalid)
	if !strings.Contains(got.Message, `stack.join_networks[0]: stack "ghost" does not exist`) {
		t.Errorf("set --join ghost: %+v", got)
	}
	if e.storedJSON("shop") != before {
		t.Error("the refused join was stored")
	}

	// A stored join of a missing stack (older data, an import) fails the plan.
	e.changeStack("shop", func(st *core.Stack) { st.JoinNetworks = []string{"ghost"} })
	got = wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{}), http.StatusBadRequest, api.CodeInvalid)
	if !strings.Contains(got.Message, `stack "shop" joins the network of stack "ghost", which does not exist`) {
		t.Errorf("plan: %+v", got)
	}
	// An existing but unapplied stack is a warning: its network comes with its apply.
	e.createStack("infra", nil)
	e.changeStack("shop", func(st *core.Stack) { st.JoinNetworks = []string{"infra"} })
	p, _ := e.plan("shop", api.PlanRequest{})
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "devarch-infra-net of stack infra, which is not applied") {
		t.Errorf("plan warnings = %q; want one saying infra is not applied", p.Warnings)
	}
}

// A stack whose network an applied stack joins cannot be destroyed (the
// network would stay behind, and the destroy would claim it complete), nor
// removed or purged while a stack joins it; the refusal names the joiner
// and the way out.
func TestJoinedStackLifecycle(t *testing.T) {
	e := newJoinEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply shop: %+v", job)
	}
	e.createStack("app", []string{"shop"}, "web=tdb")
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply app: %+v", job)
	}

	check := func(what string, got *api.Error, verb string) {
		t.Helper()
		for _, want := range []string{`cannot ` + verb + ` stack "shop"`, `stack "app" joins its network devarch-shop-net`} {
			if !strings.Contains(got.Message, want) {
				t.Errorf("%s: message %q lacks %q", what, got.Message, want)
			}
		}
		for _, want := range []string{"devarch stack set app --no-join", "devarch apply app", "devarch destroy app"} {
			if !strings.Contains(got.Hint, want) {
				t.Errorf("%s: hint %q lacks %q", what, got.Hint, want)
			}
		}
	}
	check("plan --destroy", wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true}), http.StatusConflict, api.CodeConflict), "destroy")
	rec, _ := e.apply("shop", api.ApplyRequest{Destroy: true})
	check("destroy", wantError(t, rec, http.StatusConflict, api.CodeConflict), "destroy")
	rec, _ = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	check("destroy --purge", wantError(t, rec, http.StatusConflict, api.CodeConflict), "destroy")
	if _, downs := e.rt.counts(); downs != 0 {
		t.Errorf("runtime got %d down(s)", downs)
	}
	if _, ok := e.applied("shop"); !ok {
		t.Error("shop's snapshot is gone")
	}

	// Off the network (definition only): the containers still are on it
	// until app is applied.
	none := []string{}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	check("destroy before app is applied", wantError(t, e.do("POST", "/v1/stacks/shop/plan", api.PlanRequest{Destroy: true}), http.StatusConflict, api.CodeConflict), "destroy")
	if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply app: %+v", job)
	}
	if _, job := e.apply("shop", api.ApplyRequest{Destroy: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy shop once app left its network: %+v", job)
	}

	// A stack joined by a definition only can be destroyed, but not removed.
	join := []string{"shop"}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &join}); rec.Code != http.StatusOK {
		t.Fatalf("join again: %d %s", rec.Code, rec.Body)
	}
	got := wantError(t, e.do("DELETE", "/v1/stacks/shop", nil), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(got.Message, `cannot remove stack "shop": stack "app" joins its network devarch-shop-net`) ||
		!strings.Contains(got.Hint, "devarch stack set app --no-join") {
		t.Errorf("stack rm: %+v", got)
	}
	rec, _ = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	got = wantError(t, rec, http.StatusConflict, api.CodeConflict)
	if !strings.Contains(got.Message, `cannot purge stack "shop": stack "app" joins its network`) {
		t.Errorf("destroy --purge: %+v", got)
	}
	if s := e.storedJSON("shop"); strings.HasPrefix(s, "missing") {
		t.Error("shop was removed")
	}
	if rec := e.do("PATCH", "/v1/stacks/app", api.StackSetRequest{JoinNetworks: &none}); rec.Code != http.StatusOK {
		t.Fatalf("no-join: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("DELETE", "/v1/stacks/shop", nil); rec.Code != http.StatusOK {
		t.Errorf("stack rm once nothing joins it: %d %s", rec.Code, rec.Body)
	}
}

// devfile is a devarch.yml for a new stack name joining join, with
// instances as NAME=TEMPLATE.
func devfileFor(name string, join []string, instances ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nstack:\n  name: %s\n", name)
	if len(join) > 0 {
		fmt.Fprintf(&b, "  join_networks: [%s]\n", strings.Join(join, ", "))
	}
	if len(instances) > 0 {
		b.WriteString("instances:\n")
		for _, in := range instances {
			inst, tpl, _ := strings.Cut(in, "=")
			fmt.Fprintf(&b, "  %s:\n    template: %s\n", inst, tpl)
		}
	}
	return b.String()
}

// joinCase is a write (or plan) and what it must answer: refused (status
// 400, the message holding every want, the first field error being field
// when set) with none of the stacks in keep changed, or allowed (ok).
type joinCase struct {
	name   string
	setup  func(e *testEnv)
	method string
	path   string
	body   any
	ok     int      // the success status when allowed; 0 when refused
	want   []string // refused: substrings of the message
	field  string   // refused: the first field error's field, when set
	keep   []string // refused: stacks stored as before (or still missing)
}

func runJoinCases(t *testing.T, cases []joinCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newJoinEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			before := map[string]string{}
			for _, k := range tc.keep {
				before[k] = e.storedJSON(k)
			}
			ups0, _ := e.rt.counts()
			rec := e.do(tc.method, tc.path, tc.body)
			if tc.ok != 0 {
				if rec.Code != tc.ok {
					t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.ok, rec.Body)
				}
				return
			}
			got := wantError(t, rec, http.StatusBadRequest, api.CodeInvalid)
			for _, w := range tc.want {
				if !strings.Contains(got.Message, w) {
					t.Errorf("message %q lacks %q", got.Message, w)
				}
			}
			if tc.field != "" && (len(got.Fields) == 0 || got.Fields[0].Field != tc.field) {
				t.Errorf("fields = %+v; want %s first", got.Fields, tc.field)
			}
			for _, k := range tc.keep {
				if after := e.storedJSON(k); after != before[k] {
					t.Errorf("stack %s changed:\nbefore %s\nafter  %s", k, before[k], after)
				}
			}
			if ups, _ := e.rt.counts(); ups != ups0 {
				t.Errorf("runtime got %d up(s)", ups-ups0)
			}
		})
	}
}

// The rule words every shared-name refusal carries.
var ruleWords = []string{"instance names must be unique among stacks that share a network", "DNS alias"}

func with(words ...string) []string { return append(words, ruleWords...) }

// A stack that joins several networks resolves names on all of them, so
// the stacks on them (each network's owner and joiners) must not share an
// instance name either: refused at every write that would make it, and at
// plan; names on networks no one stack is on together stay allowed.
func TestJoinRefusesNamesSharedAcrossJoinedNetworks(t *testing.T) {
	// infra and imp both have db; app (web) joins neither yet.
	base := func(e *testEnv) {
		e.createStack("infra", nil, "db=tdb")
		e.createStack("imp", nil, "db=tdb")
		e.createStack("app", nil, "web=tdb")
	}
	// app joins infra (db) and other (x): other's names are free to change until one is db.
	joined := func(e *testEnv) {
		e.createStack("infra", nil, "db=tdb")
		e.createStack("other", nil, "x=tdb")
		e.createStack("app", []string{"infra", "other"}, "web=tdb")
	}
	both := []string{"infra", "imp"}
	runJoinCases(t, []joinCase{
		{name: "set --join two stacks sharing a name", setup: base,
			method: "PATCH", path: "/v1/stacks/app", body: api.StackSetRequest{JoinNetworks: &both},
			want:  with(`stacks "imp" and "infra" both have an instance "db"`, `stack "app" is on both networks`, "devarch-infra-net", "devarch-imp-net"),
			field: "stack.join_networks[0]", keep: []string{"app", "infra", "imp"}},
		{name: "set --join adds the second", setup: func(e *testEnv) {
			base(e)
			e.changeStack("app", func(st *core.Stack) { st.JoinNetworks = []string{"infra"} })
		},
			method: "PATCH", path: "/v1/stacks/app", body: api.StackSetRequest{JoinNetworks: &both},
			want:  with(`"imp"`, `"infra"`, `instance "db"`, `stack "app"`, "devarch-imp-net"),
			field: "stack.join_networks[1]", keep: []string{"app"}},
		{name: "create --join two stacks sharing a name", setup: base,
			method: "POST", path: "/v1/stacks", body: api.StackCreateRequest{Name: "app2", JoinNetworks: both},
			want: with(`stacks "imp" and "infra" both have an instance "db"`, `stack "app2"`, "devarch-infra-net"), keep: []string{"app2"}},
		{name: "instance add in a joined stack", setup: joined,
			method: "POST", path: "/v1/stacks/other/instances", body: api.InstanceAddRequest{Name: "db", Template: "tdb"},
			want:  with(`instance "db" of stack "other": stack "infra" has an instance "db" too`, `stack "app" is on both networks`, "devarch-other-net", "devarch-infra-net"),
			field: "instances.db", keep: []string{"other"}},
		{name: "instance rename in a joined stack", setup: joined,
			method: "POST", path: "/v1/stacks/other/instances/x/rename", body: api.NameRequest{Name: "db"},
			want: with(`instance "db" of stack "other"`, `stack "infra"`, `stack "app"`, "devarch-infra-net"), keep: []string{"other"}},
		{name: "instance duplicate in a joined stack", setup: joined,
			method: "POST", path: "/v1/stacks/other/instances/x/duplicate", body: api.NameRequest{Name: "db"},
			want: with(`instance "db" of stack "other"`, `stack "infra"`, `stack "app"`, "devarch-infra-net"), keep: []string{"other"}},
		{name: "joiners of two joined stacks", setup: func(e *testEnv) {
			joined(e)
			e.createStack("x1", []string{"infra"}, "cache=tdb")
			e.createStack("x2", []string{"other"})
		},
			method: "POST", path: "/v1/stacks/x2/instances", body: api.InstanceAddRequest{Name: "cache", Template: "tdb"},
			want: with(`instance "cache" of stack "x2": stack "x1" has an instance "cache" too`, `stack "app" is on both networks`, "devarch-infra-net", "devarch-other-net"),
			keep: []string{"x2"}},
		{name: "a joiner of the stack and a stack it joins", setup: func(e *testEnv) {
			joined(e)
			e.createStack("z", []string{"app"}, "q=tdb")
		},
			method: "POST", path: "/v1/stacks/z/instances", body: api.InstanceAddRequest{Name: "db", Template: "tdb"},
			want: with(`instance "db" of stack "z": stack "infra" has an instance "db" too`, `stack "app" is on both networks`, "devarch-app-net", "devarch-infra-net"),
			keep: []string{"z"}},
		{name: "import of a new stack joining two stacks sharing a name", setup: base,
			method: "POST", path: "/v1/import", body: api.ImportRequest{Content: devfileFor("app2", both, "web=tdb")},
			want: with(`stacks "imp" and "infra" both have an instance "db"`, `stack "app2"`), keep: []string{"app2"}},
		{name: "import over a stack, joining two stacks sharing a name", setup: base,
			method: "POST", path: "/v1/import", body: api.ImportRequest{Content: devfileFor("app", both, "web=tdb")},
			want: with(`stacks "imp" and "infra" both have an instance "db"`, `stack "app"`), keep: []string{"app"}},
		{name: "plan of older data", setup: func(e *testEnv) { base(e); e.changeStack("app", func(st *core.Stack) { st.JoinNetworks = both }) },
			method: "POST", path: "/v1/stacks/app/plan", body: api.PlanRequest{},
			want: with(`stacks "imp" and "infra" both have an instance "db"`, `stack "app" is on both networks`, "devarch-imp-net")},
		{name: "plan of a joined stack, older data", setup: func(e *testEnv) { base(e); e.changeStack("app", func(st *core.Stack) { st.JoinNetworks = both }) },
			method: "POST", path: "/v1/stacks/imp/plan", body: api.PlanRequest{},
			want: with(`instance "db" of stack "imp": stack "infra" has an instance "db" too`, `stack "app"`, "devarch-infra-net")},

		// Still allowed.
		{name: "join two stacks with distinct names", setup: joined,
			method: "POST", path: "/v1/stacks/other/instances", body: api.InstanceAddRequest{Name: "queue", Template: "tdb"}, ok: http.StatusCreated},
		{name: "each of two stacks sharing a name joined by a different stack", setup: func(e *testEnv) {
			base(e)
			e.createStack("app2", []string{"imp"})
		},
			method: "PATCH", path: "/v1/stacks/app", body: api.StackSetRequest{JoinNetworks: &[]string{"infra"}}, ok: http.StatusOK},
		{name: "joiners of two networks no stack is on together", setup: func(e *testEnv) {
			base(e)
			e.createStack("x1", []string{"infra"}, "cache=tdb")
			e.createStack("x2", []string{"imp"})
		},
			method: "POST", path: "/v1/stacks/x2/instances", body: api.InstanceAddRequest{Name: "cache", Template: "tdb"}, ok: http.StatusCreated},
		{name: "import of a new stack joining one", setup: base,
			method: "POST", path: "/v1/import", body: api.ImportRequest{Content: devfileFor("app2", []string{"infra"}, "web=tdb")}, ok: http.StatusCreated},
		{name: "an unrelated edit of a stack with an older clash", setup: func(e *testEnv) { base(e); e.changeStack("app", func(st *core.Stack) { st.JoinNetworks = both }) },
			method: "PATCH", path: "/v1/stacks/app", body: api.StackSetRequest{Description: new(string)}, ok: http.StatusOK},
	})
}

// Importing a devarch.yml that creates a stack checks its joins as stack
// create does: the joined stacks exist, no name is shared on a network, no
// join cycle; a refused import stores nothing, templates included.
func TestImportOfNewStackChecksJoins(t *testing.T) {
	infra := func(e *testEnv) { e.createStack("infra", nil, "db=tdb") }
	imp := func(content string) any { return api.ImportRequest{Content: content} }
	runJoinCases(t, []joinCase{
		{name: "joins a missing stack",
			method: "POST", path: "/v1/import", body: imp(devfileFor("app", []string{"ghost"}, "web=tdb")),
			want: []string{`stack.join_networks[0]: stack "ghost" does not exist`}, field: "stack.join_networks[0]", keep: []string{"app"}},
		{name: "shares a name with the stack it joins", setup: infra,
			method: "POST", path: "/v1/import", body: imp(devfileFor("app", []string{"infra"}, "db=tdb")),
			want:  with(`instance "db" of stack "app": stack "infra" has an instance "db" too`, "devarch-infra-net", `stack "app" joins the network of stack "infra"`),
			field: "instances.db", keep: []string{"app", "infra"}},
		{name: "shares a name with another joiner", setup: func(e *testEnv) { infra(e); e.createStack("app", []string{"infra"}, "cache=tdb") },
			method: "POST", path: "/v1/import", body: imp(devfileFor("app2", []string{"infra"}, "cache=tdb")),
			want: with(`stacks "app2" and "app" both join the network of stack "infra"`, `instance "cache"`), keep: []string{"app2"}},
		{name: "closes a join cycle of older data", setup: func(e *testEnv) {
			infra(e)
			e.changeStack("infra", func(st *core.Stack) { st.JoinNetworks = []string{"app"} })
		},
			method: "POST", path: "/v1/import", body: imp(devfileFor("app", []string{"infra"}, "web=tdb")),
			want: []string{"join cycle app -> infra -> app", core.JoinCycleRule}, keep: []string{"app"}},
		{name: "brings a template too, and is refused", setup: infra,
			method: "POST", path: "/v1/import",
			body: imp(devfileFor("app", []string{"infra"}, "db=tnew") + "templates:\n  tnew:\n    image: docker.io/example/new:1\n"),
			want: with(`instance "db" of stack "app"`), keep: []string{"app"}},
		{name: "joins an existing stack with other names", setup: infra,
			method: "POST", path: "/v1/import", body: imp(devfileFor("app", []string{"infra"}, "web=tdb")), ok: http.StatusCreated},
	})

	// The refused import's template is not stored.
	e := newJoinEnv(t)
	e.createStack("infra", nil, "db=tdb")
	e.do("POST", "/v1/import", api.ImportRequest{Content: devfileFor("app", []string{"infra"}, "db=tnew") + "templates:\n  tnew:\n    image: docker.io/example/new:1\n"})
	if rec := e.do("GET", "/v1/templates/tnew", nil); rec.Code != http.StatusNotFound {
		t.Errorf("template of the refused import: %d %s", rec.Code, rec.Body)
	}
}

// A stack cannot join, directly or through others, the network of a stack
// that joins its own: neither could be applied first nor destroyed.
func TestJoinRefusesCycles(t *testing.T) {
	chain := func(e *testEnv) { // a joins b, b joins c
		e.createStack("c", nil)
		e.createStack("b", []string{"c"})
		e.createStack("a", []string{"b"})
	}
	runJoinCases(t, []joinCase{
		{name: "direct", setup: func(e *testEnv) { e.createStack("infra", nil); e.createStack("app", []string{"infra"}) },
			method: "PATCH", path: "/v1/stacks/infra", body: api.StackSetRequest{JoinNetworks: &[]string{"app"}},
			want:  []string{"join cycle infra -> app -> infra", `stack "app" joins the network of stack "infra"`, core.JoinCycleRule},
			field: "stack.join_networks[0]", keep: []string{"infra", "app"}},
		{name: "transitive", setup: chain,
			method: "PATCH", path: "/v1/stacks/c", body: api.StackSetRequest{JoinNetworks: &[]string{"a"}},
			want: []string{"join cycle c -> a -> b -> c", `stack "b" joins the network of stack "c"`, core.JoinCycleRule}, keep: []string{"c"}},
		{name: "through the applied containers", setup: func(e *testEnv) {
			e.createStack("infra", nil, "db=tdb")
			e.createStack("app", []string{"infra"}, "web=tdb")
			if _, job := e.apply("infra", api.ApplyRequest{}); job.State != api.JobSucceeded {
				e.t.Fatalf("apply infra: %+v", job)
			}
			if _, job := e.apply("app", api.ApplyRequest{}); job.State != api.JobSucceeded {
				e.t.Fatalf("apply app: %+v", job)
			}
			e.changeStack("app", func(st *core.Stack) { st.JoinNetworks = nil })
		},
			method: "PATCH", path: "/v1/stacks/infra", body: api.StackSetRequest{JoinNetworks: &[]string{"app"}},
			want: []string{"join cycle infra -> app -> infra", "its applied containers do: devarch apply app"}, keep: []string{"infra"}},
		{name: "create closing a cycle of older data", setup: func(e *testEnv) {
			e.createStack("infra", nil)
			e.changeStack("infra", func(st *core.Stack) { st.JoinNetworks = []string{"app"} })
		},
			method: "POST", path: "/v1/stacks", body: api.StackCreateRequest{Name: "app", JoinNetworks: []string{"infra"}},
			want: []string{"join cycle app -> infra -> app"}, keep: []string{"app"}},
		{name: "plan of older data", setup: func(e *testEnv) {
			chain(e)
			e.changeStack("c", func(st *core.Stack) { st.JoinNetworks = []string{"a"} })
		},
			method: "POST", path: "/v1/stacks/b/plan", body: api.PlanRequest{},
			want: []string{"join cycle b -> c -> a -> b", core.JoinCycleRule}},

		// Still allowed: chains and diamonds.
		{name: "chain", setup: chain,
			method: "POST", path: "/v1/stacks", body: api.StackCreateRequest{Name: "d", JoinNetworks: []string{"a"}}, ok: http.StatusCreated},
		{name: "diamond", setup: chain,
			method: "PATCH", path: "/v1/stacks/a", body: api.StackSetRequest{JoinNetworks: &[]string{"b", "c"}}, ok: http.StatusOK},
		{name: "leaving a cycle of older data", setup: func(e *testEnv) {
			chain(e)
			e.changeStack("c", func(st *core.Stack) { st.JoinNetworks = []string{"a"} })
		},
			method: "PATCH", path: "/v1/stacks/c", body: api.StackSetRequest{JoinNetworks: &[]string{}}, ok: http.StatusOK},
	})
}

// A stack that joins this one while its destroy --purge runs keeps the
// definition: the purge does not delete a stack another now joins.
func TestPurgeKeepsDefinitionJoinedMeanwhile(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	e.rt.downHook = func() {
		joiner := core.Stack{Name: "late", JoinNetworks: []string{"shop"}, Lineage: "lin-late", Serial: 1}
		if err := e.s.Store.Update(func(tx *store.Tx) error { return tx.PutStack(joiner) }); err != nil {
			t.Error(err)
		}
	}
	_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	if job.State != api.JobFailed || !strings.Contains(job.Error, `stack late joined it meanwhile`) {
		t.Fatalf("purge with a late joiner: %+v", job)
	}
	if got := e.storedJSON("shop"); strings.HasPrefix(got, "missing") {
		t.Errorf("the purge deleted a stack another joined: %s", got)
	}
}
