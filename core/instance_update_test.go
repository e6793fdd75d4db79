package core

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// updateTemplate is the template the update tests apply updates over.
var updateTemplate = Template{
	Name:  "xdb",
	Image: "docker.io/library/postgres:16",
	Env:   map[string]EnvVar{"POSTGRES_USER": {Value: "app"}, "LEVEL": {Value: "info"}},
	Healthcheck: &Healthcheck{Test: []string{"CMD", "pg_isready"},
		Interval: Duration(10 * time.Second), Retries: 3},
	Exports: []Export{{Name: "pg", Type: "postgres", Port: 5432}},
}

func TestInstanceUpdateApply(t *testing.T) {
	sec := func(n int) Duration { return Duration(time.Duration(n) * time.Second) }
	tests := []struct {
		name   string
		stored Overrides // the instance's overrides before the update
		update InstanceUpdate
		want   Overrides
		// wantEnabled is the instance's enabled flag after the update
		// (it starts enabled).
		wantEnabled bool
	}{
		{name: "a scalar is set",
			update: InstanceUpdate{Overrides: Overrides{Image: ptr("ghcr.io/x/pg:16")}, Mask: []string{"image"}},
			want:   Overrides{Image: ptr("ghcr.io/x/pg:16")}, wantEnabled: true},
		{name: "a masked field left empty is cleared",
			stored: Overrides{Image: ptr("ghcr.io/x/pg:16"), User: ptr("app")},
			update: InstanceUpdate{Mask: []string{"image"}},
			want:   Overrides{User: ptr("app")}, wantEnabled: true},
		{name: "an empty list is a value, not a clear",
			stored: Overrides{Domains: &[]string{"a.test"}},
			update: InstanceUpdate{Overrides: Overrides{Domains: &[]string{}}, Mask: []string{"domains"}},
			want:   Overrides{Domains: &[]string{}}, wantEnabled: true},
		{name: "fields the mask does not name are kept",
			stored: Overrides{Tag: ptr("15"), Ports: &[]Port{{Host: 5433, Container: 5432}}},
			update: InstanceUpdate{Overrides: Overrides{Tag: ptr("16")}, Mask: []string{"tag"}},
			want:   Overrides{Tag: ptr("16"), Ports: &[]Port{{Host: 5433, Container: 5432}}}, wantEnabled: true},
		{name: "env entries merge by key and are no longer unset",
			stored: Overrides{Env: map[string]EnvVar{"A": {Value: "1"}}, UnsetEnv: []string{"LEVEL"}},
			update: InstanceUpdate{Overrides: Overrides{Env: map[string]EnvVar{"LEVEL": {Value: "debug"}, "B": {Value: "2", Secret: true}}}, Mask: []string{"env"}},
			want:   Overrides{Env: map[string]EnvVar{"A": {Value: "1"}, "B": {Value: "2", Secret: true}, "LEVEL": {Value: "debug"}}}, wantEnabled: true},
		{name: "unset_env drops an override key and hides a template key",
			stored: Overrides{Env: map[string]EnvVar{"A": {Value: "1"}}},
			update: InstanceUpdate{Overrides: Overrides{UnsetEnv: []string{"POSTGRES_USER", "A", "LEVEL"}}, Mask: []string{"unset_env"}},
			want:   Overrides{UnsetEnv: []string{"LEVEL", "POSTGRES_USER"}}, wantEnabled: true},
		{name: "labels and files merge by key",
			stored: Overrides{Labels: map[string]string{"a": "1"}, Files: map[string]ConfigFile{"/etc/a": {Target: "/etc/a", Content: "a"}}},
			update: InstanceUpdate{Overrides: Overrides{Labels: map[string]string{"b": "2"},
				Files: map[string]ConfigFile{"/etc/b": {Content: "b", Sensitive: true}}}, Mask: []string{"files", "labels"}},
			want: Overrides{Labels: map[string]string{"a": "1", "b": "2"}, Files: map[string]ConfigFile{
				"/etc/a": {Target: "/etc/a", Content: "a"}, "/etc/b": {Target: "/etc/b", Content: "b", Sensitive: true}}}, wantEnabled: true},
		{name: "a healthcheck field applies over the template's",
			update: InstanceUpdate{Overrides: Overrides{Healthcheck: &Healthcheck{Interval: sec(30)}}, Mask: []string{"healthcheck.interval"}},
			want:   Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD", "pg_isready"}, Interval: sec(30), Retries: 3}}, wantEnabled: true},
		{name: "a masked zero healthcheck field is set to zero",
			stored: Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}, Retries: 5}},
			update: InstanceUpdate{Mask: []string{"healthcheck.retries", "healthcheck.timeout"}},
			want:   Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}}}, wantEnabled: true},
		{name: "healthcheck fields over none start from nothing",
			stored: Overrides{Healthcheck: &Healthcheck{Test: []string{"NONE"}}},
			update: InstanceUpdate{Overrides: Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "true"}, StartPeriod: sec(5)}},
				Mask: []string{"healthcheck.start_period", "healthcheck.test"}},
			want: Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "true"}, StartPeriod: sec(5)}}, wantEnabled: true},
		{name: "the whole healthcheck, none",
			stored: Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}, Retries: 5}},
			update: InstanceUpdate{Overrides: Overrides{Healthcheck: &Healthcheck{Test: []string{"NONE"}}}, Mask: []string{"healthcheck"}},
			want:   Overrides{Healthcheck: &Healthcheck{Test: []string{"NONE"}}}, wantEnabled: true},
		{name: "keep_exports leaves an exports override",
			stored: Overrides{Exports: &[]Export{}},
			update: InstanceUpdate{Overrides: Overrides{KeepExports: true}, Mask: []string{"keep_exports"}},
			want:   Overrides{Exports: &[]Export{}, KeepExports: true}, wantEnabled: true},
		{name: "compose cleared",
			stored: Overrides{Compose: "shm_size: 1g\n"},
			update: InstanceUpdate{Mask: []string{"compose"}},
			want:   Overrides{}, wantEnabled: true},
		{name: "enabled alone changes no override",
			stored: Overrides{User: ptr("app")},
			update: InstanceUpdate{Enabled: ptr(false)},
			want:   Overrides{User: ptr("app")}, wantEnabled: false},
		{name: "a path named twice is applied once",
			update: InstanceUpdate{Overrides: Overrides{Restart: ptr("always")}, Mask: []string{"restart", "restart"}},
			want:   Overrides{Restart: ptr("always")}, wantEnabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := Instance{Name: "db", Template: "xdb", Enabled: true, Overrides: tt.stored}
			if err := tt.update.Apply(&inst, updateTemplate); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inst.Overrides, tt.want) {
				t.Errorf("overrides =\n%+v\nwant\n%+v", inst.Overrides, tt.want)
			}
			if inst.Enabled != tt.wantEnabled {
				t.Errorf("enabled = %v, want %v", inst.Enabled, tt.wantEnabled)
			}
		})
	}
}

func TestInstanceUpdateRefused(t *testing.T) {
	tests := []struct {
		name   string
		update InstanceUpdate
		field  string // the field of the error
		rule   string // a substring of its rule
	}{
		{"unknown path", InstanceUpdate{Overrides: Overrides{User: ptr("app")}, Mask: []string{"user", "usr"}},
			"mask[1]", `unknown field "usr": want one of aliases, build, command, compose,`},
		{"unknown healthcheck field", InstanceUpdate{Mask: []string{"healthcheck.cmd"}}, "mask[0]", `unknown field "healthcheck.cmd"`},
		{"a value the mask does not name", InstanceUpdate{Overrides: Overrides{Image: ptr("ghcr.io/x/pg:16"), Tag: ptr("1")}, Mask: []string{"tag"}},
			"image", `is given but the mask does not name it: add "image" to the mask`},
		{"a healthcheck field the mask does not name", InstanceUpdate{Overrides: Overrides{Healthcheck: &Healthcheck{Interval: 1, Retries: 2}},
			Mask: []string{"healthcheck.interval"}}, "healthcheck.retries", "the mask does not name it"},
		{"a field within a whole one", InstanceUpdate{Overrides: Overrides{Healthcheck: &Healthcheck{Test: []string{"NONE"}}},
			Mask: []string{"healthcheck", "healthcheck.interval"}}, "mask[1]", `"healthcheck.interval" is within "healthcheck"`},
		{"unset a key nobody sets", InstanceUpdate{Overrides: Overrides{UnsetEnv: []string{"NOPE"}}, Mask: []string{"unset_env"}},
			"unset_env[0]", `"NOPE" is not set by the instance or its template "xdb"`},
		{"env placeholder, beside valid changes", InstanceUpdate{Overrides: Overrides{
			Env:    map[string]EnvVar{"B": {Value: "2"}, "PW": {Value: Redacted, Secret: true}},
			Labels: map[string]string{"b": "2"}, User: ptr("app")}, Mask: []string{"env", "labels", "user"}},
			"env.PW", "redaction placeholder"},
		{"file placeholder", InstanceUpdate{Overrides: Overrides{Files: map[string]ConfigFile{"/etc/a": {Content: Redacted}}}, Mask: []string{"files"}},
			"files./etc/a.content", "redaction placeholder"},
		{"file target differs from its key", InstanceUpdate{Overrides: Overrides{Files: map[string]ConfigFile{"/etc/a": {Target: "/etc/b"}}}, Mask: []string{"files"}},
			"files./etc/a.target", `"/etc/b" differs from its key "/etc/a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := Overrides{Env: map[string]EnvVar{"A": {Value: "1"}}, Labels: map[string]string{"a": "1"}, User: ptr("root")}
			inst := Instance{Name: "db", Template: "xdb", Enabled: true, Overrides: stored}
			was := Instance{Name: "db", Template: "xdb", Enabled: true,
				Overrides: Overrides{Env: map[string]EnvVar{"A": {Value: "1"}}, Labels: map[string]string{"a": "1"}, User: ptr("root")}}
			err := tt.update.Apply(&inst, updateTemplate)
			fes := AsFieldErrors(err)
			i := slices.IndexFunc(fes, func(fe *FieldError) bool { return fe.Field == tt.field })
			if i < 0 {
				t.Fatalf("err = %v, want one on %s", err, tt.field)
			}
			if !strings.Contains(fes[i].Rule, tt.rule) {
				t.Errorf("rule = %q, want %q in it", fes[i].Rule, tt.rule)
			}
			if !reflect.DeepEqual(inst, was) {
				t.Errorf("refused update changed the instance: %+v", inst)
			}
		})
	}
}

// TestMaskPathsCoverOverrides: every field of Overrides, and every field of
// a healthcheck as healthcheck.FIELD, is a path a mask can name, and the
// mask names nothing else.
func TestMaskPathsCoverOverrides(t *testing.T) {
	jsonNames := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
		return out
	}
	want := jsonNames(Overrides{})
	for _, f := range jsonNames(Healthcheck{}) {
		want = append(want, "healthcheck."+f)
	}
	slices.Sort(want)
	if !slices.Equal(MaskPaths, want) {
		t.Errorf("MaskPaths =\n%v\nwant\n%v", MaskPaths, want)
	}
}

// TestMaskPathsGivenAndApplied: a value given for any path is seen
// (refused when the mask does not name it) and applied (stored when it
// does), the healthcheck whole or field by field.
func TestMaskPathsGivenAndApplied(t *testing.T) {
	full := Overrides{
		Image: ptr("ghcr.io/x/pg:16"), Tag: ptr("16"), Command: &[]string{"a"}, Entrypoint: &[]string{"b"},
		User: ptr("app"), Restart: ptr("always"), Env: map[string]EnvVar{"E": {Value: "1"}}, UnsetEnv: []string{"LEVEL"},
		Labels: map[string]string{"l": "1"}, Ports: &[]Port{{Container: 80}}, Volumes: &[]Volume{{Source: "v", Target: "/v"}},
		Healthcheck: &Healthcheck{Test: []string{"CMD", "x"}, Interval: 1, Timeout: 2, StartPeriod: 3, Retries: 4},
		Files:       map[string]ConfigFile{"/f": {Target: "/f", Content: "f"}}, Domains: &[]string{"d.test"},
		Exports: &[]Export{}, Imports: &[]Import{}, Compose: "x: 1\n", KeepExports: true, Replicas: ptr(2),
		Build: &ImageBuild{Context: "/src/x"}, NoBuild: true, DependsOn: map[string]DependsOn{"cache": {Condition: ConditionHealthy}}, Aliases: []string{"db-alias"},
	}
	inst := Instance{Name: "db", Template: "xdb"}
	fes := AsFieldErrors((InstanceUpdate{Overrides: full}).Apply(&inst, updateTemplate))
	for _, p := range MaskPaths {
		if p == "healthcheck" {
			continue // given through its fields, each named
		}
		if !slices.ContainsFunc(fes, func(fe *FieldError) bool { return fe.Field == p }) {
			t.Errorf("a value for %s without a mask: errors %v, want one on %s", p, fes, p)
		}
	}
	whole := slices.DeleteFunc(slices.Clone(MaskPaths), func(p string) bool { return strings.HasPrefix(p, "healthcheck.") })
	byField := slices.DeleteFunc(slices.Clone(MaskPaths), func(p string) bool { return p == "healthcheck" })
	for name, mask := range map[string][]string{"whole healthcheck": whole, "healthcheck by field": byField} {
		t.Run(name, func(t *testing.T) {
			inst := Instance{Name: "db", Template: "xdb"}
			if err := (InstanceUpdate{Overrides: full, Mask: mask}).Apply(&inst, updateTemplate); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inst.Overrides, full) {
				t.Errorf("overrides =\n%+v\nwant\n%+v", inst.Overrides, full)
			}
		})
	}
}

func TestResetOverrides(t *testing.T) {
	stored := func() Overrides {
		return Overrides{
			Image: ptr("ghcr.io/x/pg:16"), Env: map[string]EnvVar{"A": {Value: "1"}}, UnsetEnv: []string{"LEVEL"},
			Labels: map[string]string{"a": "1"}, Files: map[string]ConfigFile{"/f": {Target: "/f"}},
			Exports: &[]Export{}, KeepExports: true,
		}
	}
	tests := []struct {
		name   string
		fields []string
		want   Overrides
		err    string // the field of the error, if any
	}{
		{"whole fields", []string{"image", "exports", "files"}, Overrides{Env: map[string]EnvVar{"A": {Value: "1"}},
			UnsetEnv: []string{"LEVEL"}, Labels: map[string]string{"a": "1"}}, ""},
		{"one env entry of each kind", []string{"env.A", "env.LEVEL"}, Overrides{Image: ptr("ghcr.io/x/pg:16"),
			Labels: map[string]string{"a": "1"}, Files: map[string]ConfigFile{"/f": {Target: "/f"}}, Exports: &[]Export{}, KeepExports: true}, ""},
		{"entries emptied are dropped", []string{"labels.a", "files./f"}, Overrides{Image: ptr("ghcr.io/x/pg:16"),
			Env: map[string]EnvVar{"A": {Value: "1"}}, UnsetEnv: []string{"LEVEL"}, Exports: &[]Export{}, KeepExports: true}, ""},
		{"unknown field", []string{"image", "bogus"}, Overrides{}, "fields[1]"},
		{"entry not overridden", []string{"env.NOPE"}, Overrides{}, "fields[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := stored()
			err := ResetOverrides(&o, tt.fields)
			if tt.err != "" {
				if fes := AsFieldErrors(err); len(fes) != 1 || fes[0].Field != tt.err {
					t.Errorf("err = %v, want one on %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("overrides =\n%+v\nwant\n%+v", o, tt.want)
			}
		})
	}
}
