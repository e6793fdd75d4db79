package devfile

import (
	"bytes"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestExportInheritsTemplateSecrecy: an instance's env key or config file
// that its template marks secret is exported as a secret even when it was
// stored with a plain flag (set with --env, or stored before overrides
// inherited the flag): never in plaintext by default, nor sealed-mode.
func TestExportInheritsTemplateSecrecy(t *testing.T) {
	const tok, file = "plain-tok-7788", "plain-file-5566"
	tpl := core.Template{
		Name: "vault", Image: "registry.example.com/vault:1",
		Env:   map[string]core.EnvVar{"TOKEN": {Value: "t", Secret: true}, "MODE": {Value: "dev"}},
		Files: []core.ConfigFile{{Target: "/etc/vault/key", Content: "k", Sensitive: true}},
	}
	st := core.Stack{Name: "s", Instances: []core.Instance{{Name: "v", Template: "vault", Enabled: true, Overrides: core.Overrides{
		Env:   map[string]core.EnvVar{"TOKEN": {Value: tok}, "MODE": {Value: "prod"}},
		Files: map[string]core.ConfigFile{"/etc/vault/key": {Target: "/etc/vault/key", Content: file}},
	}}}}
	tests := []struct {
		name      string
		opt       ExportOptions
		wantPlain bool
	}{
		{"redacted", ExportOptions{Secrets: Redact}, false},
		{"sealed", ExportOptions{Secrets: Seal, Passphrase: "correct horse battery", KDF: fastKDF()}, false},
		{"plaintext asked for", ExportOptions{Secrets: Plaintext}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Export(st, []core.Template{tpl}, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{tok, file} {
				if got := bytes.Contains(out, []byte(v)); got != tt.wantPlain {
					t.Errorf("export contains %q = %v, want %v:\n%s", v, got, tt.wantPlain, out)
				}
			}
			if !bytes.Contains(out, []byte("prod")) {
				t.Errorf("a plain override is missing:\n%s", out)
			}
		})
	}
	if st.Instances[0].Overrides.Env["TOKEN"].Secret || st.Instances[0].Overrides.Files["/etc/vault/key"].Sensitive {
		t.Error("Export changed the caller's stack")
	}
	// The plaintext export round-trips the value as a secret.
	out, err := Export(st, []core.Template{tpl}, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(out, ParseOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	v, _ := res.Stack.Instance("v")
	if got := v.Overrides.Env["TOKEN"]; got.Value != tok || !got.Secret {
		t.Errorf("imported TOKEN = %+v, want %q secret", got, tok)
	}
	if got := v.Overrides.Files["/etc/vault/key"]; got.Content != file || !got.Sensitive {
		t.Errorf("imported file = %+v", got)
	}
}
