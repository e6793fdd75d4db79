package core_test

import (
	"fmt"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
)

// effectiveServices merges every instance of st with its template, as
// Build does before it resolves wiring.
func effectiveServices(b *testing.B, st core.Stack, tpls map[string]core.Template) []core.Service {
	b.Helper()
	out := make([]core.Service, 0, len(st.Instances))
	for _, in := range st.Instances {
		tpl, ok := tpls[in.Template]
		if !ok {
			b.Fatalf("instance %s: unknown template %s", in.Name, in.Template)
		}
		out = append(out, core.Merge(tpl, in))
	}
	return out
}

// BenchmarkResolveStack8 resolves the wiring of the realistic 8-instance
// stack (internal/benchfix): 9 imports bound, 2 by explicit wire, plus the
// cycle check. Inputs are the already merged services.
func BenchmarkResolveStack8(b *testing.B) {
	st := benchfix.Stack()
	svcs := effectiveServices(b, st, benchfix.Templates())
	wires, unresolved, diags := core.Resolve(st, svcs)
	if len(wires) != 9 || len(unresolved) != 0 || len(diags) != 0 {
		b.Fatalf("fixture resolves to %d wires, %d unresolved, diags %v", len(wires), len(unresolved), diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		core.Resolve(st, svcs)
	}
}

// BenchmarkInjectStack8 renders the export env templates of the 9 wires
// into the consumers' env and computes depends_on.
func BenchmarkInjectStack8(b *testing.B) {
	st := benchfix.Stack()
	svcs := effectiveServices(b, st, benchfix.Templates())
	wires, _, _ := core.Resolve(st, svcs)
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := core.Inject(st.Name, svcs, wires); len(diags) != 0 {
			b.Fatal(diags)
		}
	}
}

// BenchmarkBuildStack8 is the whole desired-state computation the daemon
// runs on every plan, config and apply: merge of 8 instances with their
// templates, Resolve, Order and Inject.
func BenchmarkBuildStack8(b *testing.B) {
	st := benchfix.Stack()
	tpls := benchfix.Templates()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.Build(st, tpls); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateStack8 is the full validation run before a stack
// definition is stored (every field rule, ports, wires, compose fragment).
func BenchmarkValidateStack8(b *testing.B) {
	st := benchfix.Stack()
	tpls := benchfix.Templates()
	b.ReportAllocs()
	for b.Loop() {
		if err := core.ValidateStack(st, tpls); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildWired is core.Build of benchfix.Wired stacks of
// benchfix.Sizes instances: linear growth keeps ns/op divided by n flat.
func BenchmarkBuildWired(b *testing.B) {
	tpls := benchfix.Templates()
	for _, n := range benchfix.Sizes {
		st := benchfix.Wired("wired", n, 20000)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if d, err := core.Build(st, tpls); err != nil || len(d.Services) != n {
				b.Fatalf("build: %d services, %v", len(d.Services), err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := core.Build(st, tpls); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
