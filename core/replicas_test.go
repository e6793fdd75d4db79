package core

import (
	"strings"
	"testing"
)

func TestMergeReplicas(t *testing.T) {
	tpl := Template{Name: "api", Image: "registry.example.com/api:1", Replicas: vptr(2)}
	tests := []struct {
		name string
		own  *int
		want int
	}{
		{"inherited", nil, 2},
		{"replaced", vptr(5), 5},
		{"replaced with zero", vptr(0), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Merge(tpl, Instance{Name: "a", Template: "api", Overrides: Overrides{Replicas: tc.own}})
			if s.ReplicaCount() != tc.want {
				t.Fatalf("replicas = %d, want %d", s.ReplicaCount(), tc.want)
			}
			*s.Replicas = 99
			if *tpl.Replicas != 2 || tc.own != nil && *tc.own == 99 {
				t.Fatal("merged replicas share memory with the template or the overrides")
			}
		})
	}
	if n := Merge(Template{Name: "x"}, Instance{Name: "x"}).ReplicaCount(); n != 1 {
		t.Errorf("replicas set nowhere = %d, want 1", n)
	}
	if got := (Overrides{Replicas: vptr(1)}).Set(); len(got) != 1 || got[0] != "replicas" {
		t.Errorf("Set() = %v, want [replicas]", got)
	}
}

func TestValidateReplicas(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Stack)
		field  string // "" means valid
		rule   string
	}{
		{"zero", func(s *Stack) { s.Instances[1].Overrides.Replicas = vptr(0) }, "", ""},
		{"max", func(s *Stack) { s.Instances[1].Overrides.Replicas = vptr(MaxReplicas) }, "", ""},
		{"negative", func(s *Stack) { s.Instances[1].Overrides.Replicas = vptr(-1) }, "instances.db.replicas", "-1 is out of range"},
		{"over max", func(s *Stack) { s.Instances[1].Overrides.Replicas = vptr(MaxReplicas + 1) }, "instances.db.replicas", "101 is out of range"},
		{"fixed host port", func(s *Stack) { s.Instances[0].Overrides.Replicas = vptr(2) },
			"instances.api.replicas", "cannot share the fixed host port 8080/tcp"},
		{"random host port", func(s *Stack) {
			s.Instances[0].Overrides.Replicas = vptr(2)
			s.Instances[0].Overrides.Ports = &[]Port{{Container: 8080}}
		}, "", ""},
		{"one replica, fixed port", func(s *Stack) { s.Instances[0].Overrides.Replicas = vptr(1) }, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := validStack()
			tc.mutate(&st)
			err := ValidateStack(st, stackTemplates())
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			for _, fe := range AsFieldErrors(err) {
				if fe.Field == tc.field && strings.Contains(fe.Rule, tc.rule) {
					return
				}
			}
			t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.rule)
		})
	}
}

func TestValidateTemplateReplicas(t *testing.T) {
	tpl := validTemplate()
	tpl.Replicas = vptr(3)
	tpl.Ports = []Port{{Host: 5432, Container: 5432}}
	if err := ValidateTemplate(tpl); err == nil || !strings.Contains(err.Error(), "templates."+tpl.Name+".replicas") {
		t.Fatalf("template with 3 replicas and a fixed host port: err = %v, want one on its replicas", err)
	}
	tpl.Ports = []Port{{Container: 5432}}
	if err := ValidateTemplate(tpl); err != nil {
		t.Fatalf("template with 3 replicas and no ports: %v", err)
	}
	tpl.Replicas = vptr(MaxReplicas + 1)
	if err := ValidateTemplate(tpl); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("template with too many replicas: err = %v", err)
	}
}
