package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/devarch-dev/devarch/core/benchfix"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/service"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// The scale benchmarks run the service layer (what a request's handler
// calls) over a real store in a temporary home, with the in-memory
// runtime: the cost of a plan, an import and `stack ls` as the number of
// stacks in the home grows, every other stack of 40 wired instances
// (benchfix.Wired) with host ports of its own.

const (
	scaleInstances = 40
	scaleStack     = "s0000" // the stack planned: in every home
)

// scaleHomes are the homes built so far, by number of stacks: building
// 1,000 stacks takes seconds, and every benchmark and -count reuses it.
var scaleHomes = struct {
	sync.Mutex
	dirs map[int]string
}{dirs: map[int]string{}}

// scaleHome is a home holding stacks s0000 ... of benchfix.Wired stacks
// (the templates they use stored), each with its own host ports.
func scaleHome(b *testing.B, stacks int) string {
	b.Helper()
	scaleHomes.Lock()
	defer scaleHomes.Unlock()
	if dir, ok := scaleHomes.dirs[stacks]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("devarch-scale-%d-", stacks))
	if err != nil {
		b.Fatal(err)
	}
	st := openStoreWithKey(b, dir, 9)
	err = st.Update(func(tx *store.Tx) error {
		for _, t := range benchfix.UserTemplates() {
			if err := tx.PutTemplate(t); err != nil {
				return err
			}
		}
		for i := range stacks {
			if err := tx.PutStack(benchfix.Wired(fmt.Sprintf("s%04d", i), scaleInstances, 20000+i*10)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	scaleHomes.dirs[stacks] = dir
	return dir
}

// TestMain removes the homes the scale benchmarks built.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range scaleHomes.dirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// scaleParts is the daemon over a copy of the home of stacks stacks, with
// an empty in-memory runtime.
func scaleParts(b *testing.B, stacks int) *parts {
	b.Helper()
	src := scaleHome(b, stacks)
	home := b.TempDir()
	raw, err := os.ReadFile(filepath.Join(src, "devarch.db"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "devarch.db"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	p := newParts(b, home, openStoreWithKey(b, home, 9), partsOptions{})
	rt := newFakeRuntime()
	p.open = func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) {
		spec.Kind = "fake"
		return rt, spec, nil
	}
	return p
}

var scaleSizes = []int{1, 1000}

// BenchmarkScalePlan is the plan of one 40-instance stack (never applied)
// in a home of 1 and of 1,000 such stacks: the checks across stacks read
// the store's index, so the two should cost the same.
func BenchmarkScalePlan(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			p := scaleParts(b, n)
			ctx := context.Background()
			v, err := p.Svc.Plan(ctx, service.Caller{}, scaleStack, api.PlanRequest{})
			if err != nil || v.Summary.Create != scaleInstances {
				b.Fatalf("plan: %+v, %v", v.Summary, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Svc.Plan(ctx, service.Caller{}, scaleStack, api.PlanRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScaleImport imports a devarch.yml of a 40-instance stack as a
// new stack (parse, checks across stacks, store), in a home of 1 and of
// 1,000 stacks. Removing the imported stack again is outside the timed
// region.
func BenchmarkScaleImport(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			p := scaleParts(b, n)
			ctx := context.Background()
			file, err := p.Svc.Export(scaleStack, api.ExportRequest{IncludeSecrets: true})
			if err != nil {
				b.Fatal(err)
			}
			req := api.ImportRequest{Content: file.Content, Stack: "imported"}
			b.ReportAllocs()
			for b.Loop() {
				res, err := p.Svc.Import(ctx, service.Caller{}, req)
				if err != nil || !res.Created {
					b.Fatalf("import: %+v, %v", res, err)
				}
				b.StopTimer()
				if err := p.Svc.RemoveStack(ctx, service.Caller{}, "imported"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkScaleStackList is `stack ls` daemon-side (the service's
// summaries) in a home of 1 and of 1,000 stacks.
func BenchmarkScaleStackList(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			p := scaleParts(b, n)
			b.ReportAllocs()
			for b.Loop() {
				sums, err := p.Svc.ListStacks()
				if err != nil || len(sums) != n {
					b.Fatalf("%d stacks, %v", len(sums), err)
				}
			}
		})
	}
}

// BenchmarkPlanWired500 is the plan of a never-applied 500-instance wired
// stack (benchfix.Wired) alone in its home: the daemon-side part of
// tests' BenchmarkE2EPlanWired500.
func BenchmarkPlanWired500(b *testing.B) {
	const stack, n = "wide", 500
	home := b.TempDir()
	st := openStoreWithKey(b, home, 9)
	err := st.Update(func(tx *store.Tx) error {
		for _, t := range benchfix.UserTemplates() {
			if err := tx.PutTemplate(t); err != nil {
				return err
			}
		}
		return tx.PutStack(benchfix.Wired(stack, n, 20000))
	})
	if err != nil {
		b.Fatal(err)
	}
	p := newParts(b, home, st, partsOptions{})
	rt := newFakeRuntime()
	p.open = func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) {
		spec.Kind = "fake"
		return rt, spec, nil
	}
	ctx := context.Background()
	if v, err := p.Svc.Plan(ctx, service.Caller{}, stack, api.PlanRequest{}); err != nil || v.Summary.Create != n {
		b.Fatalf("plan: %+v, %v", v.Summary, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Svc.Plan(ctx, service.Caller{}, stack, api.PlanRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
