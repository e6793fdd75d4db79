package plan

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
)

// liveOf is one running container per enabled service of d, as the
// runtime reports them.
func liveOf(d core.Desired) []LiveContainer {
	var out []LiveContainer
	for _, s := range d.Services {
		if !s.Enabled {
			continue
		}
		out = append(out, LiveContainer{
			Name: core.ContainerName(d.Stack, s.Instance), Instance: s.Instance,
			State: "running", Health: "healthy", Image: s.Image, Lineage: d.Lineage,
		})
	}
	return out
}

// BenchmarkComputeStack8 diffs the realistic 8-instance stack
// (internal/benchfix) against its applied snapshot and 8 live containers:
//
//   - noop: nothing changed since apply, the common `plan` on an applied stack;
//   - changes: one image change (replace), two config changes (update) and
//     one container missing (drift);
//   - create: never applied, nothing running (first apply).
func BenchmarkComputeStack8(b *testing.B) {
	applied := benchfix.Desired(benchfix.Stack())
	desired := applied
	desired.Serial++
	changed := benchfix.Changed(applied)
	live := liveOf(applied)
	var drifted []LiveContainer
	for _, c := range live {
		if c.Instance != "mail" {
			drifted = append(drifted, c)
		}
	}
	cases := []struct {
		name string
		in   Input
		want Summary
	}{
		{"noop", Input{Desired: desired, Applied: &applied, Live: live}, Summary{}},
		{"changes", Input{Desired: changed, Applied: &applied, Live: drifted}, Summary{Create: 1, Update: 2, Replace: 1}},
		{"create", Input{Desired: desired}, Summary{Create: 8}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if got := Compute(c.in).Summary; got != c.want {
				b.Fatalf("summary = %+v, want %+v", got, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				Compute(c.in)
			}
		})
	}
}

// BenchmarkComputeWired is Compute of benchfix.Wired stacks of
// benchfix.Sizes instances, applied and running, with nothing to do (the
// common plan) and never applied (create).
func BenchmarkComputeWired(b *testing.B) {
	for _, n := range benchfix.Sizes {
		applied := benchfix.Desired(benchfix.Wired("wired", n, 20000))
		for _, c := range []struct {
			name string
			in   Input
			want Summary
		}{
			{"noop", Input{Desired: applied, Applied: &applied, Live: liveOf(applied)}, Summary{}},
			{"create", Input{Desired: applied}, Summary{Create: n}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				if got := Compute(c.in).Summary; got != c.want {
					b.Fatalf("summary = %+v, want %+v", got, c.want)
				}
				b.ReportAllocs()
				for b.Loop() {
					Compute(c.in)
				}
			})
		}
	}
}

// BenchmarkViewJSONWired500 is the daemon's encoding of the answer to a
// plan of a never-applied 500-instance benchfix.Wired stack: the View with
// its desired state (`plan --json`) and without (`plan`,
// api.PlanRequest.NoDesired).
func BenchmarkViewJSONWired500(b *testing.B) {
	p := Compute(Input{Desired: benchfix.Desired(benchfix.Wired("wide", 500, 20000))})
	for _, c := range []struct {
		name string
		view View
	}{{"desired", Redact(p)}, {"no-desired", RedactChanges(p)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(c.view); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
