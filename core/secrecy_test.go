package core

import (
	"reflect"
	"testing"
)

func TestInheritSecrecy(t *testing.T) {
	tpl := Template{
		Name: "db",
		Env: map[string]EnvVar{
			"POSTGRES_PASSWORD": {Value: "pw", Secret: true},
			"POSTGRES_USER":     {Value: "app"},
		},
		Files: []ConfigFile{
			{Target: "/etc/db/secret.conf", Content: "s", Sensitive: true},
			{Target: "/etc/db/plain.conf", Content: "p"},
		},
	}
	tests := []struct {
		name        string
		in          Overrides
		want        Overrides
		wantChanged bool
	}{
		{"no overrides", Overrides{}, Overrides{}, false},
		{"plain env of a secret key becomes secret",
			Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x"}}},
			Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x", Secret: true}}}, true},
		{"already secret stays", Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x", Secret: true}}},
			Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x", Secret: true}}}, false},
		{"a key the template does not mark secret stays plain",
			Overrides{Env: map[string]EnvVar{"POSTGRES_USER": {Value: "u"}, "EXTRA": {Value: "e"}}},
			Overrides{Env: map[string]EnvVar{"POSTGRES_USER": {Value: "u"}, "EXTRA": {Value: "e"}}}, false},
		{"a secret the instance adds is never cleared",
			Overrides{Env: map[string]EnvVar{"POSTGRES_USER": {Value: "u", Secret: true}}},
			Overrides{Env: map[string]EnvVar{"POSTGRES_USER": {Value: "u", Secret: true}}}, false},
		{"file over a sensitive template file becomes sensitive",
			Overrides{Files: map[string]ConfigFile{"/etc/db/secret.conf": {Target: "/etc/db/secret.conf", Content: "x"}}},
			Overrides{Files: map[string]ConfigFile{"/etc/db/secret.conf": {Target: "/etc/db/secret.conf", Content: "x", Sensitive: true}}}, true},
		{"file over a plain template file or a new target stays",
			Overrides{Files: map[string]ConfigFile{"/etc/db/plain.conf": {Content: "x"}, "/etc/other": {Content: "y"}}},
			Overrides{Files: map[string]ConfigFile{"/etc/db/plain.conf": {Content: "x"}, "/etc/other": {Content: "y"}}}, false},
		{"env and files together",
			Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x"}, "POSTGRES_USER": {Value: "u"}},
				Files: map[string]ConfigFile{"/etc/db/secret.conf": {Content: "x"}}},
			Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "x", Secret: true}, "POSTGRES_USER": {Value: "u"}},
				Files: map[string]ConfigFile{"/etc/db/secret.conf": {Content: "x", Sensitive: true}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := Instance{Name: "db", Template: "db", Overrides: tt.in}
			orig := Instance{Name: "db", Template: "db", Overrides: tt.in}
			envBefore, filesBefore := cloneEnv(tt.in.Env), cloneFiles(tt.in.Files)
			changed := InheritSecrecy(&inst, tpl)
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if !reflect.DeepEqual(inst.Overrides, tt.want) {
				t.Errorf("overrides = %+v, want %+v", inst.Overrides, tt.want)
			}
			// The maps the input shared are left alone.
			if !reflect.DeepEqual(orig.Overrides.Env, envBefore) || !reflect.DeepEqual(orig.Overrides.Files, filesBefore) {
				t.Errorf("input maps changed: %+v", orig.Overrides)
			}
			// Merge agrees: the effective values were secret already.
			if a, b := Merge(tpl, orig), Merge(tpl, inst); !reflect.DeepEqual(a, b) {
				t.Errorf("effective config changed:\n%+v\n%+v", a, b)
			}
		})
	}
}

func TestInheritStackSecrecy(t *testing.T) {
	tpls := map[string]Template{"db": {Name: "db", Env: map[string]EnvVar{"PW": {Value: "pw", Secret: true}}}}
	insts := []Instance{
		{Name: "a", Template: "db", Overrides: Overrides{Env: map[string]EnvVar{"PW": {Value: "x"}}}},
		{Name: "b", Template: "gone", Overrides: Overrides{Env: map[string]EnvVar{"PW": {Value: "y"}}}},
		{Name: "c", Template: "db"},
	}
	st := Stack{Name: "s", Instances: insts}
	if !InheritStackSecrecy(&st, tpls) {
		t.Fatal("changed = false, want true")
	}
	if !st.Instances[0].Overrides.Env["PW"].Secret {
		t.Errorf("a: PW not secret: %+v", st.Instances[0].Overrides)
	}
	if st.Instances[1].Overrides.Env["PW"].Secret {
		t.Errorf("b (unknown template) changed: %+v", st.Instances[1].Overrides)
	}
	if insts[0].Overrides.Env["PW"].Secret {
		t.Error("the caller's instances were changed in place")
	}
	if InheritStackSecrecy(&st, tpls) {
		t.Error("second pass changed something")
	}
}

func cloneEnv(m map[string]EnvVar) map[string]EnvVar {
	if m == nil {
		return nil
	}
	out := map[string]EnvVar{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneFiles(m map[string]ConfigFile) map[string]ConfigFile {
	if m == nil {
		return nil
	}
	out := map[string]ConfigFile{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
