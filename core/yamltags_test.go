package core

import (
	"strings"
	"testing"
)

func TestTemplateYAMLTags(t *testing.T) {
	const base = "name: t\nimage: alpine:3\n"
	tests := []struct {
		name  string
		extra string
		field string // "" means accepted
		line  int
	}{
		{"standard tags", "description: !!str 12\nenv:\n  A: ! 1\n  B: !!int 2\n", "", 0},
		{"python object", "description: !!python/object:os.system [id]\n", "description", 3},
		{"local tag on a list item", "command: [sh, !shell x]\n", "command[1]", 3},
		{"tag on a mapping", "healthcheck: !custom {test: [CMD, true]}\n", "healthcheck", 3},
		{"tag on a key", "env:\n  !k A: 1\n", "env.A", 4},
		{"go type", "description: !!go/string x\n", "description", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTemplateYAML([]byte(base + tt.extra))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			fes := AsFieldErrors(err)
			if len(fes) == 0 {
				t.Fatalf("want a field error, got %v", err)
			}
			fe := fes[0]
			if fe.Field != tt.field || fe.Line != tt.line || !strings.Contains(fe.Rule, "YAML tag") {
				t.Errorf("error = %s %q (line %d); want %s, line %d, naming the tag", fe.Field, fe.Rule, fe.Line, tt.field, tt.line)
			}
		})
	}
}

func TestComposeFragmentTagsRefused(t *testing.T) {
	tests := []struct {
		name, frag, field, tag string
	}{
		{"python object", "cap_add: !!python/object/new:list [ALL]\n", "instances.db.compose.cap_add", `"!!python/object/new:list"`},
		{"local tag", "stop_signal: !sig SIGTERM\n", "instances.db.compose.stop_signal", `"!sig"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := validStack()
			st.Instances[1].Overrides.Compose = tt.frag
			err := ValidateStack(st, stackTemplates())
			fes := AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tt.field || !strings.Contains(fes[0].Rule, "line 1 of the fragment") {
				t.Fatalf("error = %v; want one on %s naming the fragment's line", err, tt.field)
			}
			if !strings.Contains(fes[0].Rule, tt.tag) {
				t.Errorf("rule %q does not name the tag %s", fes[0].Rule, tt.tag)
			}
		})
	}
}
