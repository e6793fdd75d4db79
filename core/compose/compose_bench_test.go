package compose

import (
	"fmt"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
)

// BenchmarkGenerateStack8 renders the compose project of the realistic 8-instance
// wired stack (internal/benchfix): what `config`, `plan` and `apply` pay
// per stack. The sub-benchmarks isolate the instance compose fragment,
// which goes through compose-go's loader, and the secret-free output.
func BenchmarkGenerateStack8(b *testing.B) {
	st := benchfix.Stack()
	noFragment := benchfix.Stack()
	for i := range noFragment.Instances {
		noFragment.Instances[i].Overrides.Compose = ""
	}
	cases := []struct {
		name string
		d    core.Desired
		opt  Options
	}{
		{"plaintext", benchfix.Desired(st), Options{FilesDir: "/home/dev/.devarch/stacks/shop", ShowSecrets: true}},
		{"redacted", benchfix.Desired(st), Options{FilesDir: "/home/dev/.devarch/stacks/shop"}},
		{"no-fragment", benchfix.Desired(noFragment), Options{FilesDir: "/home/dev/.devarch/stacks/shop", ShowSecrets: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			out, err := Generate(c.d, c.opt)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(c.d, c.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateGolden renders the existing golden fixtures (3-instance
// shop and the every-feature lab stack), for comparison with the larger
// stack (BenchmarkGenerate in compose_rules_test.go renders 20 instances).
func BenchmarkGenerateGolden(b *testing.B) {
	for _, tc := range goldenCases() {
		if tc.opt.ShowSecrets {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			d := build(b, tc.stack)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(d, tc.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateWired is Generate (secrets shown, as apply feeds
// compose) of benchfix.Wired stacks of benchfix.Sizes instances.
func BenchmarkGenerateWired(b *testing.B) {
	for _, n := range benchfix.Sizes {
		d := benchfix.Desired(benchfix.Wired("wired", n, 20000))
		opt := Options{FilesDir: "/home/dev/.devarch/stacks/wired", ShowSecrets: true}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if _, err := Generate(d, opt); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(d, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
