package devfile

import (
	"os"
	"testing"

	"github.com/devarch-dev/devarch/core/benchfix"
	"github.com/devarch-dev/devarch/core/catalog"
)

// BenchmarkExportStack8 writes the realistic 8-instance stack
// (internal/benchfix, with its 3 user templates) as a devarch.yml, with
// secrets redacted (the default), in plaintext, and sealed with a cheap
// KDF (fastKDF: the argon2id cost, about 150 ms with DefaultKDF, is in
// secrets' BenchmarkDeriveKeyDefault).
func BenchmarkExportStack8(b *testing.B) {
	st := benchfix.Stack()
	tpls := benchfix.UserTemplates()
	cases := []struct {
		name string
		opt  ExportOptions
	}{
		{"redact", ExportOptions{Secrets: Redact}},
		{"plaintext", ExportOptions{Secrets: Plaintext}},
		{"seal-fastkdf", ExportOptions{Secrets: Seal, Passphrase: "correct horse battery", KDF: fastKDF()}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			out, err := Export(st, tpls, c.opt)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Export(st, tpls, c.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseStack8 parses and fully validates the plaintext and the
// sealed devarch.yml of the 8-instance stack (hostile-input checks, line
// index, decode, conversion, template and stack validation), and the
// existing v0 fixture testdata/v0-shop.yml (which is migrated first).
func BenchmarkParseStack8(b *testing.B) {
	st := benchfix.Stack()
	tpls := benchfix.UserTemplates()
	plain, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := Export(st, tpls, ExportOptions{Secrets: Seal, Passphrase: "correct horse battery", KDF: fastKDF()})
	if err != nil {
		b.Fatal(err)
	}
	v0, err := os.ReadFile("testdata/v0-shop.yml")
	if err != nil {
		b.Fatal(err)
	}
	builtins := catalog.Builtin()
	cases := []struct {
		name      string
		data      []byte
		opt       ParseOptions
		instances int
	}{
		{"plaintext", plain, ParseOptions{Templates: builtins}, 8},
		{"sealed-fastkdf", sealed, ParseOptions{Templates: builtins, Passphrase: "correct horse battery"}, 8},
		{"v0-shop-migrate", v0, ParseOptions{Templates: builtins}, 2},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			check := func(res *Result, err error) {
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Stack.Instances) != c.instances {
					b.Fatalf("parsed %d instances, want %d", len(res.Stack.Instances), c.instances)
				}
			}
			check(Parse(c.data, c.opt))
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				check(Parse(c.data, c.opt))
			}
		})
	}
}
