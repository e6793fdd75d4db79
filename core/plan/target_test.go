package plan

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestTarget(t *testing.T) {
	db := svc("db", "docker.io/library/postgres:16")
	cache := svc("cache", "docker.io/library/redis:7")
	api := with(svc("api", "docker.io/acme/api:1"), func(s *core.WiredService) {
		s.DependsOn = []core.Dependency{{Instance: "db", Healthy: true}, {Instance: "cache"}}
	})
	web := svc("web", "docker.io/acme/web:1")
	api2 := with(api, func(s *core.WiredService) {
		s.DependsOn = api.DependsOn
		s.Env["MODE"] = core.EnvVar{Value: "prod"}
	})
	web2 := with(web, func(s *core.WiredService) { s.Env["MODE"] = core.EnvVar{Value: "prod"} })
	applied := desired(1, api, cache, db, web)
	live := []LiveContainer{running("api", api.Image), running("cache", cache.Image), running("db", db.Image), running("web", web.Image)}

	tests := []struct {
		name     string
		in       Input
		targets  []string
		changes  []string // instance:action of the changes kept
		leftOut  []LeftOut
		included []Included
		network  Action
		services []string // instances of Desired, with the image each runs
		errField string   // a refused target: the error's text
	}{
		{
			name:     "only the target changes; the rest keeps its applied state",
			in:       Input{Desired: desired(2, api2, cache, db, web2), Applied: &applied, Live: live},
			targets:  []string{"web"},
			changes:  []string{"web:~"},
			leftOut:  []LeftOut{{Instance: "api", Action: Update}},
			services: []string{"api=" + api.Env["MODE"].Value, "cache=dev", "db=dev", "web=prod"},
		},
		{
			name:     "providers not applied yet come along, named",
			in:       Input{Desired: desired(1, api, cache, db, web)},
			targets:  []string{"api"},
			changes:  []string{"api:+", "cache:+", "db:+"},
			leftOut:  []LeftOut{{Instance: "web", Action: Create}},
			included: []Included{{Instance: "cache", For: "api"}, {Instance: "db", For: "api"}},
			network:  Create,
			services: []string{"api=dev", "cache=dev", "db=dev"},
		},
		{
			name: "an applied provider with a pending change stays out",
			in: Input{Desired: desired(2, api2, cache, with(db, func(s *core.WiredService) { s.Env["MODE"] = core.EnvVar{Value: "x"} }), web),
				Applied: &applied, Live: live},
			targets:  []string{"api"},
			changes:  []string{"api:~"},
			leftOut:  []LeftOut{{Instance: "db", Action: Update}},
			services: []string{"api=prod", "cache=dev", "db=dev", "web=dev"},
		},
		{
			name:     "a removed target is deleted; the network stays while others run",
			in:       Input{Desired: desired(2, api, cache, db), Applied: &applied, Live: live},
			targets:  []string{"web"},
			changes:  []string{"web:-"},
			services: []string{"api=dev", "cache=dev", "db=dev"},
		},
		{
			name:     "an instance never applied and not targeted is not run",
			in:       Input{Desired: desired(1, cache, db, web)},
			targets:  []string{"web", "web"},
			changes:  []string{"web:+"},
			leftOut:  []LeftOut{{Instance: "cache", Action: Create}, {Instance: "db", Action: Create}},
			network:  Create,
			services: []string{"web=dev"},
		},
		{
			name:     "an unknown target is refused, named",
			in:       Input{Desired: desired(1, cache, db)},
			targets:  []string{"nope"},
			errField: `target: nope: no such instance in stack "shop"`,
		},
		{
			name:     "removing a provider an instance left out needs is refused",
			in:       Input{Desired: desired(2, cache, web), Applied: &applied, Live: live},
			targets:  []string{"db"},
			errField: "instance api depends on db, which would not run after this targeted apply; add --target api",
		},
		{
			name:     "a destroy cannot be targeted",
			in:       Input{Desired: desired(1, db), Applied: &applied, Live: live, Destroy: true},
			targets:  []string{"db"},
			errField: "target: does not apply to a destroy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := Compute(tt.in)
			p, err := Target(whole, tt.in, tt.targets)
			if tt.errField != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errField) {
					t.Fatalf("err = %v; want it to contain %q", err, tt.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, c.Instance+":"+string(c.Action))
			}
			if !reflect.DeepEqual(got, tt.changes) {
				t.Errorf("changes = %v; want %v", got, tt.changes)
			}
			if !reflect.DeepEqual(p.LeftOut, tt.leftOut) {
				t.Errorf("left out = %v; want %v", p.LeftOut, tt.leftOut)
			}
			if !reflect.DeepEqual(p.Included, tt.included) {
				t.Errorf("included = %v; want %v", p.Included, tt.included)
			}
			if p.Network != tt.network {
				t.Errorf("network = %q; want %q", p.Network, tt.network)
			}
			var svcs []string
			for _, s := range p.Desired.Services {
				svcs = append(svcs, s.Instance+"="+s.Env["MODE"].Value)
			}
			if !reflect.DeepEqual(svcs, tt.services) {
				t.Errorf("desired services = %v; want %v", svcs, tt.services)
			}
			if p.Basis.DesiredHash != whole.Basis.DesiredHash || p.StateHash != whole.StateHash {
				t.Error("a targeted plan must keep the whole stack's basis, so it is stale-checked as usual")
			}
			if p.Summary != summarize(p.Changes) {
				t.Errorf("summary = %+v; want it to count the kept changes", p.Summary)
			}
			if len(tt.leftOut) > 0 && !strings.Contains(strings.Join(p.Warnings, "\n"), "left out") {
				t.Errorf("warnings %q do not say what is left out", p.Warnings)
			}
			// Applying the targeted plan, then planning the whole stack
			// again, still shows exactly the changes left out.
			next := tt.in
			next.Applied = &p.Desired
			next.Live = nil
			for _, s := range p.Desired.Services {
				if s.Enabled {
					next.Live = append(next.Live, running(s.Instance, s.Image))
				}
			}
			again := Compute(next)
			var rest []LeftOut
			for _, c := range again.Changes {
				rest = append(rest, LeftOut{Instance: c.Instance, Action: c.Action})
			}
			if !reflect.DeepEqual(rest, tt.leftOut) {
				t.Errorf("after the targeted apply, plan shows %v; want the changes left out %v", rest, tt.leftOut)
			}
		})
	}
}

// A targeted plan in per-service mode covers only its instances of the
// applied snapshot and the live containers: an apply of other instances
// (a concurrent targeted apply) committed since leaves it fresh, while a
// change to its own instances or to the definition makes it stale. In
// stack mode the same apply makes it stale.
func TestScopedTargetStaleness(t *testing.T) {
	api := svc("api", "docker.io/acme/api:1")
	web := svc("web", "docker.io/acme/web:1")
	prod := func(s core.WiredService) core.WiredService {
		return with(s, func(s *core.WiredService) { s.Env["MODE"] = core.EnvVar{Value: "prod"} })
	}
	input := func(mode string) Input {
		d, applied := desired(3, prod(api), prod(web)), desired(2, api, web)
		d.ComposeMode, applied.ComposeMode = mode, mode
		return Input{Desired: d, Applied: &applied, Runtime: "docker",
			Live: []LiveContainer{running("api", api.Image), running("web", web.Image)}}
	}
	// appliedAPI is in once a targeted apply of api committed: api's
	// container replaced and recorded as desired, the snapshot at serial 3.
	appliedAPI := func(in Input) Input {
		next := Mix(in.Desired, in.Applied, map[string]bool{"api": true})
		next.Serial = in.Desired.Serial
		in.Applied = &next
		in.Live = []LiveContainer{running("api", "docker.io/acme/api:2"), running("web", web.Image)}
		in.Live[0].Lineage = "other"
		return in
	}
	plan := func(t *testing.T, in Input) Plan {
		t.Helper()
		p, err := Target(savedPlan(in), in, []string{"web"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("per-service: another instance's apply keeps it fresh", func(t *testing.T) {
		in := input(core.ComposeModePerService)
		p := plan(t, in)
		if !reflect.DeepEqual(p.Basis.Instances, []string{"web"}) || !p.Scoped() {
			t.Fatalf("basis instances = %v; want [web]", p.Basis.Instances)
		}
		if p.StateHash == StateHash(in) {
			t.Error("the scoped plan kept the whole stack's state hash")
		}
		if err := Staleness(p, appliedAPI(in), t0); err != nil {
			t.Errorf("stale after an apply of api only: %v", err)
		}
	})
	for _, tt := range []struct {
		name   string
		change func(in *Input)
		kind   string
		what   string
	}{
		{"its container changed", func(in *Input) { in.Live[1].State = "exited" }, StaleLive, "devarch-shop-web running → exited"},
		{"its applied state changed", func(in *Input) {
			a := *in.Applied
			a.Services = []core.WiredService{a.Services[0], prod(web)}
			in.Applied = &a
		}, StaleSnapshot, "applied state of instance(s) web changed"},
		{"the definition changed", func(in *Input) { in.Desired.Serial = 4 }, StaleSerial, "serial 3 → 4"},
	} {
		t.Run("per-service: "+tt.name, func(t *testing.T) {
			in := input(core.ComposeModePerService)
			p := plan(t, in)
			now := appliedAPI(in)
			tt.change(&now)
			err := Staleness(p, now, t0)
			var se *StaleError
			if !errors.As(err, &se) || se.Kind != tt.kind || !strings.Contains(err.Error(), tt.what) {
				t.Errorf("staleness = %v; want %s naming %q", err, tt.kind, tt.what)
			}
		})
	}
	t.Run("stack mode: another instance's apply makes it stale", func(t *testing.T) {
		in := input(core.ComposeModeStack)
		p := plan(t, in)
		if len(p.Basis.Instances) != 0 || p.StateHash != StateHash(in) {
			t.Fatalf("a stack-mode targeted plan must keep the whole stack's basis; instances %v", p.Basis.Instances)
		}
		if err := Staleness(p, appliedAPI(in), t0); !IsStale(err) {
			t.Errorf("staleness = %v; want stale", err)
		}
	})
}
