package devfile

import (
	"maps"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestRedactedTemplateSecretsFromExisting: a redacted secret of a file's
// template takes its value from the user template of that name that
// already exists (where it is secret too), so re-importing a redacted
// export asks only for the instance secrets.
func TestRedactedTemplateSecretsFromExisting(t *testing.T) {
	st, tpls := shopStack()
	tpl := tpls[0]
	tpl.Files = []core.ConfigFile{{Target: "/etc/api/tls.key", Content: "-----TLS-----\n", Sensitive: true}}
	file, err := Export(st, []core.Template{tpl}, ExportOptions{Secrets: Redact})
	if err != nil {
		t.Fatal(err)
	}
	instanceSecrets := map[string]string{"db.POSTGRES_PASSWORD": "pg", "instances.api.files./etc/api/key.pem": "k"}
	with := func(extra map[string]string) map[string]string {
		m := maps.Clone(instanceSecrets)
		maps.Copy(m, extra)
		return m
	}
	plainToken := tpl
	plainToken.Env = map[string]core.EnvVar{"LOG_LEVEL": {Value: "info"}, "API_TOKEN": {Value: "tok-123456"}}
	builtinNamed := tpl
	builtinNamed.Builtin = true

	tests := []struct {
		name       string
		existing   *core.Template
		setSecrets map[string]string
		wantToken  string
		wantTLS    string
		wantErr    []string
	}{
		{name: "existing template", existing: &tpl, setSecrets: instanceSecrets, wantToken: "tok-123456", wantTLS: "-----TLS-----\n"},
		{name: "--set-secret wins", existing: &tpl, setSecrets: with(map[string]string{"templates.shop-api.env.API_TOKEN": "given"}),
			wantToken: "given", wantTLS: "-----TLS-----\n"},
		{name: "no such template", setSecrets: instanceSecrets,
			wantErr: []string{"templates.shop-api.env.API_TOKEN", "templates.shop-api.files./etc/api/tls.key"}},
		{name: "existing value not secret", existing: &plainToken, setSecrets: instanceSecrets,
			wantErr: []string{"templates.shop-api.env.API_TOKEN"}},
		{name: "instance secrets are still needed", existing: &tpl,
			wantErr: []string{"instances.db.env.POSTGRES_PASSWORD", "instances.api.files./etc/api/key.pem"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			known := builtins(t)
			if tc.existing != nil {
				known[tc.existing.Name] = *tc.existing
			}
			res, err := Parse(file, ParseOptions{Templates: known, SetSecrets: tc.setSecrets})
			if tc.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "tok-123456") {
					t.Errorf("an error shows a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := res.Templates[0]
			if got.Env["API_TOKEN"].Value != tc.wantToken || !got.Env["API_TOKEN"].Secret {
				t.Errorf("API_TOKEN = %+v, want %q", got.Env["API_TOKEN"], tc.wantToken)
			}
			if len(got.Files) != 1 || got.Files[0].Content != tc.wantTLS {
				t.Errorf("files = %+v", got.Files)
			}
		})
	}

	// A built-in can never be a file's template, so it lends no values.
	known := builtins(t)
	known[builtinNamed.Name] = builtinNamed
	if _, err := Parse(file, ParseOptions{Templates: known, SetSecrets: instanceSecrets}); err == nil {
		t.Error("a template named like a built-in must be refused")
	}
}
