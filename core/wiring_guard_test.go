package core

import (
	"strings"
	"testing"
)

func TestCheckTemplateUsers(t *testing.T) {
	before := wiringTemplates()
	stacks := []Stack{
		{Name: "a", Instances: []Instance{inst("db", "postgres"), inst("web", "web")}},
		{Name: "b", Instances: []Instance{inst("cache", "redis")}},
	}
	guards := GuardTemplateUsers(stacks, "postgres", before)
	if len(guards) != 1 || len(guards["a"].Before) == 0 {
		t.Fatalf("guards = %+v, want stack a's wires only", guards)
	}
	tests := []struct {
		name string
		edit func(*Template)
		err  string // "" when the replacement keeps the wiring
	}{
		{name: "same exports", edit: func(tp *Template) { tp.Image = "docker.io/library/postgres:17" }},
		{name: "export dropped", edit: func(tp *Template) { tp.Exports = nil },
			err: "replacing template postgres would break the wiring of stack a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after := wiringTemplates()
			pg := after["postgres"]
			tc.edit(&pg)
			after["postgres"] = pg
			_, err := CheckTemplateUsers("postgres", guards, stacks[:1], after)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ce := conflict(t, err)
			if ce.Msg != tc.err || len(ce.Diagnostics) == 0 || !strings.HasPrefix(ce.Diagnostics[0].Message, "stack a, instance web: ") {
				t.Errorf("conflict = %+v", ce)
			}
		})
	}
}
