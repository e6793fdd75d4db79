package devfile

import (
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func effectiveEnv(t *testing.T, ci *ComposeImport, name string) map[string]core.EnvVar {
	t.Helper()
	inst, ok := ci.Stack.Instance(name)
	if !ok {
		t.Fatalf("no instance %s", name)
	}
	env := map[string]core.EnvVar{}
	for _, tp := range ci.Templates {
		if tp.Name == inst.Template {
			for k, v := range tp.Env {
				env[k] = v
			}
		}
	}
	for k, v := range inst.Overrides.Env {
		env[k] = v
	}
	return env
}

func TestComposeInterpolation(t *testing.T) {
	tests := []struct {
		name      string
		file      string // in testdata/compose
		env       map[string]string
		wantEnv   map[string]string // effective values
		secret    []string          // keys that must be secret
		absent    []string          // keys that must be left out
		wantPort  int
		warnings  [][]string // each: parts of one warning
		noWarning string     // no warning may contain it
		wantErr   []string
	}{
		{
			name:      "process environment and .env values",
			file:      "interpolation.yml",
			env:       map[string]string{"WEB_PORT": "18080", "DB_PASSWORD": "s3cr$t", "FROM_ENV": "yes"},
			wantEnv:   map[string]string{"DB_URL": "postgres://app:s3cr$t@db/app", "LEVEL": "info", "EMPTY": "", "FROM_ENV": "yes", "LITERAL": "$HOME"},
			secret:    []string{"DB_URL"},
			wantPort:  18080,
			noWarning: "variable",
		},
		{
			name:      "unset variables are warnings naming them",
			file:      "interpolation.yml",
			env:       map[string]string{"WEB_PORT": "18080"},
			wantEnv:   map[string]string{"DB_URL": "postgres://app:@db/app", "LEVEL": "info"},
			absent:    []string{"FROM_ENV"},
			wantPort:  18080,
			warnings:  [][]string{{"variable DB_PASSWORD is not set"}, {"services.web.environment.FROM_ENV", "left out"}},
			noWarning: "EMPTY",
		},
		{
			name:    "a required variable that is set",
			file:    "required-variable.yml",
			env:     map[string]string{"DB_PASS": "hunter2"},
			wantEnv: map[string]string{"PASSWORD": "hunter2"},
			secret:  []string{"PASSWORD"},
		},
		{
			name:    "a required variable that is not set names it",
			file:    "required-variable.yml",
			wantErr: []string{"services.db.environment.PASSWORD (line 5)", "required variable DB_PASS", "set DB_PASS in .env"},
		},
		{
			name:    "a required variable that is empty",
			file:    "required-variable-port.yml",
			env:     map[string]string{"PORT": ""},
			wantErr: []string{"services.db.ports", "required variable PORT"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, tc.env)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			name := ci.Stack.Instances[0].Name
			env := effectiveEnv(t, ci, name)
			for k, v := range tc.wantEnv {
				if env[k].Value != v {
					t.Errorf("env %s = %q, want %q", k, env[k].Value, v)
				}
			}
			for _, k := range tc.secret {
				if !env[k].Secret {
					t.Errorf("env %s should be secret", k)
				}
			}
			for _, k := range tc.absent {
				if _, ok := env[k]; ok {
					t.Errorf("env %s should be left out", k)
				}
			}
			if tc.wantPort != 0 {
				if len(ci.Templates) != 1 || len(ci.Templates[0].Ports) != 1 || ci.Templates[0].Ports[0].Host != tc.wantPort {
					t.Errorf("templates = %+v; want host port %d", ci.Templates, tc.wantPort)
				}
			}
			for _, w := range tc.warnings {
				if !hasWarning(ci.Warnings, w...) {
					t.Errorf("warnings %q lack one with %q", ci.Warnings, w)
				}
			}
			if tc.noWarning != "" && hasWarning(ci.Warnings, tc.noWarning) {
				t.Errorf("warnings %q should not mention %q", ci.Warnings, tc.noWarning)
			}
			if v := tc.env["DB_PASSWORD"]; v != "" {
				for _, w := range ci.Warnings {
					if strings.Contains(w, v) {
						t.Errorf("a warning shows a value: %q", w)
					}
				}
			}
			generated(t, ci)
		})
	}
}

func TestReferencedVariables(t *testing.T) {
	tests := []struct {
		name    string
		file    string // in testdata/compose
		want    []string
		wantAll bool
	}{
		{"references and bare keys", "variables-references.yml", []string{"FOO", "ONE", "PORT", "QUX", "TAG", "THREE"}, false},
		{"escaped dollars are no reference", "variables-escaped.yml", nil, false},
		{"include pulls in other files", "variables-include.yml", nil, true},
		{"extends from a file", "variables-extends.yml", nil, true},
		{"broken file", "variables-broken.yml", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, all := ReferencedVariables(composeFixture(t, tc.file))
			if all != tc.wantAll || !slices.Equal(got, tc.want) {
				t.Errorf("got %v (all %v), want %v (all %v)", got, all, tc.want, tc.wantAll)
			}
		})
	}
	files := EnvFiles(composeFixture(t, "env-files.yml"))
	want := map[string]bool{"a.env": true, "b.env": false, "c.env": true, "d.labels": true}
	if len(files) != len(want) {
		t.Errorf("env files = %v, want %v", files, want)
	}
	for k, v := range want {
		if got, ok := files[k]; !ok || got != v {
			t.Errorf("env file %s = %v, %v; want %v", k, got, ok, v)
		}
	}
}
