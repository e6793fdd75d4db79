package core

import (
	"strings"
	"testing"
	"time"
)

// FuzzScrub prints a secret in each form SecretForms lists between
// arbitrary text and checks that no form of it survives Scrub. Seeds are in
// testdata/fuzz/FuzzScrub.
func FuzzScrub(f *testing.F) {
	f.Add(`Sec"Quote<é`, "log: ", " end")
	f.Add("s3cret-pass", `{"pw":"`, `"}`)
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		// Stored secrets are text without NUL (TextProblem); NUL marks
		// the places Scrub redacted in the check below.
		if secret == "" || TextProblem(secret) != "" || strings.ContainsRune(before+after, 0) {
			t.Skip()
		}
		forms := SecretForms(secret)
		for _, form := range forms {
			out := Scrub(before+form+after, []string{secret})
			check := strings.ReplaceAll(out, Redacted, "\x00")
			for _, f := range forms {
				if strings.Contains(check, f) {
					t.Fatalf("secret %q printed as %q: form %q survived in %q", secret, form, f, out)
				}
			}
		}
	})
}

// FuzzExportEnv renders arbitrary export env templates over arbitrary env
// values: they never panic, render within MaxExportEnvOutput, and take a
// bounded time. Seeds are in testdata/fuzz/FuzzExportEnv.
func FuzzExportEnv(f *testing.F) {
	f.Add("postgres://{{.Env.U}}:{{.Env.P}}@{{.Host}}:{{.Port}}/db", "app", "pw")
	f.Add("{{range 5000000}}AAAA{{end}}", "x", "y")
	f.Fuzz(func(t *testing.T, text, user, pass string) {
		env := map[string]EnvVar{"U": {Value: user}, "P": {Value: pass, Secret: true}}
		data := ExportData{Host: "devarch-s-db", Port: 5432, Instance: "db", Stack: "s", Env: envValues(env)}
		start := time.Now()
		_ = exportEnvProblem(text, data)
		out, _, err := renderExportEnv("db.exports.pg.env.URL", text, data, secretKeys(env))
		if err == nil && len(out) > MaxExportEnvOutput {
			t.Fatalf("rendered %d bytes, over the %d byte cap", len(out), MaxExportEnvOutput)
		}
		// Two renderings (secrecy is checked with a masked copy) and a
		// validation, each bounded by ExportEnvTimeout at its writes.
		if d := time.Since(start); d > 4*ExportEnvTimeout {
			t.Fatalf("took %s", d)
		}
	})
}
