package core

import (
	"strings"
	"testing"
)

// TestFieldLimits checks each documented size limit: a value of exactly the
// limit is accepted, one byte more is refused naming the field and the limit.
func TestFieldLimits(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		set   func(st *Stack, tpl *Template, v string)
		field string
		rule  string
	}{
		{"stack description", MaxDescription, func(st *Stack, _ *Template, v string) { st.Description = v },
			"stack.description", "the limit is 1 KiB"},
		{"stack environment", MaxEnvironment, func(st *Stack, _ *Template, v string) { st.Environment = v },
			"stack.environment", "the limit is 64 bytes"},
		{"template description", MaxDescription, func(_ *Stack, tpl *Template, v string) { tpl.Description = v },
			"templates.postgres.description", "the limit is 1 KiB"},
		{"template env value", MaxEnvValue, func(_ *Stack, tpl *Template, v string) { tpl.Env["BIG"] = EnvVar{Value: v, Secret: true} },
			"templates.postgres.env.BIG", "value is 65537 bytes; the limit is 64 KiB"},
		{"instance env value", MaxEnvValue, func(st *Stack, _ *Template, v string) {
			st.Instances[1].Overrides.Env = map[string]EnvVar{"BIG": {Value: v}}
		}, "instances.db.env.BIG", "the limit is 64 KiB"},
		{"env name", MaxEnvKey, func(_ *Stack, tpl *Template, v string) { tpl.Env[v] = EnvVar{Value: "x"} },
			"templates.postgres.env", "name is 257 bytes; the limit is 256 bytes"},
		{"label value", MaxLabelValue, func(_ *Stack, tpl *Template, v string) { tpl.Labels["team"] = v },
			"templates.postgres.labels.team", "the limit is 4 KiB"},
		{"instance label value", MaxLabelValue, func(st *Stack, _ *Template, v string) {
			st.Instances[1].Overrides.Labels = map[string]string{"team": v}
		}, "instances.db.labels.team", "the limit is 4 KiB"},
		{"label key", MaxLabelKey, func(_ *Stack, tpl *Template, v string) { tpl.Labels[v] = "x" },
			"templates.postgres.labels", "the limit is 256 bytes"},
		{"command element", MaxArg, func(_ *Stack, tpl *Template, v string) { tpl.Command = []string{"postgres", v} },
			"templates.postgres.command[1]", "argument is 65537 bytes; the limit is 64 KiB"},
		{"instance entrypoint element", MaxArg, func(st *Stack, _ *Template, v string) { st.Instances[1].Overrides.Entrypoint = &[]string{v} },
			"instances.db.entrypoint[0]", "the limit is 64 KiB"},
		{"healthcheck element", MaxArg, func(_ *Stack, tpl *Template, v string) { tpl.Healthcheck.Test = []string{"CMD-SHELL", v} },
			"templates.postgres.healthcheck.test[1]", "the limit is 64 KiB"},
		{"config file content", MaxFileContent, func(_ *Stack, tpl *Template, v string) { tpl.Files[0].Content = v },
			"templates.postgres.files[0]", "content is 1048577 bytes; the limit is 1 MiB"},
		{"instance config file content", MaxFileContent, func(st *Stack, _ *Template, v string) {
			st.Instances[1].Overrides.Files = map[string]ConfigFile{"/etc/big": {Target: "/etc/big", Content: v, Sensitive: true}}
		}, "instances.db.files[/etc/big]", "the limit is 1 MiB"},
		{"compose fragment", MaxCompose, func(st *Stack, _ *Template, v string) {
			st.Instances[1].Overrides.Compose = "x-pad: " + v[len("x-pad: "):]
		}, "instances.db.compose", "fragment is 65537 bytes; the limit is 64 KiB"},
	}
	for _, tc := range tests {
		for _, over := range []bool{false, true} {
			n := tc.limit
			if over {
				n++
			}
			name := tc.name + map[bool]string{false: " at the limit", true: " over the limit"}[over]
			t.Run(name, func(t *testing.T) {
				st, tpls := validStack(), stackTemplates()
				tpl := tpls["postgres"]
				tc.set(&st, &tpl, strings.Repeat("a", n))
				tpls["postgres"] = tpl
				err := ValidateTemplate(tpl)
				if err == nil {
					err = ValidateStack(st, tpls)
				}
				if !over {
					if err != nil {
						t.Fatalf("a value of %d bytes is refused: %v", n, err)
					}
					return
				}
				assertFieldError(t, err, tc.field, tc.rule)
				if strings.Contains(err.Error(), strings.Repeat("a", 64)) {
					t.Error("the error quotes the value")
				}
			})
		}
	}
}

func TestSizeString(t *testing.T) {
	for n, want := range map[int]string{64: "64 bytes", 1 << 10: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 1500: "1500 bytes"} {
		if got := sizeString(n); got != want {
			t.Errorf("sizeString(%d) = %q, want %q", n, got, want)
		}
	}
}
