package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// An instance the user stopped is not drift while its container exists,
// is still created when its container is missing, and its config changes
// are still planned; the plan names it among the stopped.
func TestComputeStopped(t *testing.T) {
	db := svc("db", "docker.io/library/postgres:16")
	api := svc("api", "docker.io/acme/api:1")
	stoppedDB := with(db, func(s *core.WiredService) { s.Stopped = true })
	exited := LiveContainer{Name: "devarch-shop-db", Instance: "db", State: "exited", Lineage: testLineage}
	tests := []struct {
		name    string
		in      Input
		want    map[string]Action
		reason  string // db's reason, when it changes
		stopped []string
	}{
		{
			name: "stopped container of a stopped instance is no change",
			in: Input{Desired: desired(2, api, stoppedDB), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), exited}},
			want:    map[string]Action{},
			stopped: []string{"db"},
		},
		{
			name: "a created (never started) container is no change either",
			in: Input{Desired: desired(2, api, stoppedDB), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), {Name: "devarch-shop-db", Instance: "db", State: "created", Lineage: testLineage}}},
			want:    map[string]Action{},
			stopped: []string{"db"},
		},
		{
			name: "without the intent the same container is drift",
			in: Input{Desired: desired(2, api, db), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), exited}},
			want:   map[string]Action{"db": Update},
			reason: "container exited (drift)",
		},
		{
			name: "missing container of a stopped instance is created",
			in: Input{Desired: desired(2, api, stoppedDB), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image)}},
			want:    map[string]Action{"db": Create},
			reason:  ReasonMissing,
			stopped: []string{"db"},
		},
		{
			name: "config change of a stopped instance is an update",
			in: Input{Desired: desired(2, api, with(stoppedDB, func(s *core.WiredService) { s.Stopped, s.User = true, "999" })),
				Applied: ptr(desired(1, api, db)),
				Live:    []LiveContainer{running("api", api.Image), exited}},
			want:    map[string]Action{"db": Update},
			stopped: []string{"db"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(tt.in)
			got := map[string]Action{}
			for _, c := range p.Changes {
				got[c.Instance] = c.Action
				if c.Instance == "db" && c.Reason != tt.reason {
					t.Errorf("db reason = %q, want %q", c.Reason, tt.reason)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("changes = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: action %q, want %q", k, got[k], v)
				}
			}
			if !slices.Equal(p.Stopped, tt.stopped) {
				t.Errorf("stopped = %v, want %v", p.Stopped, tt.stopped)
			}
			if len(tt.want) == 0 && !p.Empty() {
				t.Errorf("plan not empty: %+v", p)
			}
			if v := Redact(p); !slices.Equal(v.Stopped, tt.stopped) {
				t.Errorf("view stopped = %v, want %v", v.Stopped, tt.stopped)
			}
		})
	}
}

// A stopped instance another running one depends on is warned of:
// compose starts it with that one.
func TestComputeWarnsOfStoppedProvider(t *testing.T) {
	db := with(svc("db", "docker.io/library/postgres:16"), func(s *core.WiredService) { s.Stopped = true })
	api := svc("api", "docker.io/acme/api:1")
	api.DependsOn = []core.Dependency{{Instance: "db", Healthy: true}}
	p := Compute(Input{Desired: desired(1, api, db)})
	want := "instance db is stopped but api depends on it"
	if !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Fatalf("warnings = %q; want one starting %q", p.Warnings, want)
	}
	api.Stopped = true
	if p := Compute(Input{Desired: desired(1, api, db)}); len(p.Warnings) != 0 {
		t.Fatalf("both stopped: warnings = %q; want none", p.Warnings)
	}
}

// A targeted plan takes the instances it leaves out from the applied
// snapshot, but with the stop intent of now: one stopped since the last
// apply stays stopped.
func TestMixKeepsCurrentStopIntent(t *testing.T) {
	db := svc("db", "docker.io/library/postgres:16")
	api := svc("api", "docker.io/acme/api:1")
	want := desired(2, api, with(db, func(s *core.WiredService) { s.Stopped = true }))
	applied := desired(1, api, db)
	out := Mix(want, &applied, map[string]bool{"api": true})
	got, ok := out.Service("db")
	if !ok || !got.Stopped {
		t.Fatalf("db in the mixed desired state = %+v, want it stopped", got)
	}
	back := desired(3, api, db)
	appliedStopped := desired(2, api, with(db, func(s *core.WiredService) { s.Stopped = true }))
	out = Mix(back, &appliedStopped, map[string]bool{"api": true})
	if got, _ := out.Service("db"); got.Stopped {
		t.Fatalf("db started since the apply is still stopped in the mixed state")
	}
}
