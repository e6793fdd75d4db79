package core

import (
	"slices"
	"testing"
)

func TestDeclaredDependsOn(t *testing.T) {
	tpls := stackTemplates()
	tpls["worker"] = Template{Name: "worker", Image: "registry.example.com/shop/worker:1"}
	st := validStack()
	st.Instances = append(st.Instances,
		Instance{Name: "migrate", Template: "worker", Enabled: true, Overrides: Overrides{
			DependsOn: map[string]DependsOn{"db": {Condition: ConditionHealthy}},
		}},
		Instance{Name: "worker", Template: "worker", Enabled: true, Overrides: Overrides{
			DependsOn: map[string]DependsOn{"migrate": {Condition: ConditionCompleted}, "db": {Restart: true, Optional: true}},
		}},
	)
	// api is wired to db; it also declares db (started only) and migrate.
	st.Instances[0].Overrides.DependsOn = map[string]DependsOn{"db": {}, "migrate": {Condition: ConditionCompleted}}
	if err := ValidateStack(st, tpls); err != nil {
		t.Fatalf("stack should validate: %v", err)
	}
	d, err := Build(st, tpls)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want []Dependency
	}{
		// The declared condition on db wins over the wire's healthy one.
		{"api", []Dependency{{Instance: "db", Condition: ConditionStarted}, {Instance: "migrate", Condition: ConditionCompleted}}},
		{"migrate", []Dependency{{Instance: "db", Condition: ConditionHealthy, Healthy: true}}},
		{"worker", []Dependency{{Instance: "db", Condition: ConditionStarted, Restart: true, Optional: true}, {Instance: "migrate", Condition: ConditionCompleted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := d.Service(tt.name)
			if !slices.Equal(s.DependsOn, tt.want) {
				t.Fatalf("depends_on = %+v\nwant %+v", s.DependsOn, tt.want)
			}
		})
	}
	if want := []string{"db", "migrate", "api", "worker"}; !slices.Equal(d.Order, want) {
		t.Errorf("order = %v, want %v (declared dependencies order startup too)", d.Order, want)
	}
	if s, _ := d.Service("worker"); len(s.InjectedEnv) != 0 {
		t.Errorf("a declared dependency injects no env: %v", s.InjectedEnv)
	}
}

func TestDeclaredDependsOnWiredAdds(t *testing.T) {
	st := validStack()
	d, err := Build(st, stackTemplates())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Service("api")
	if want := []Dependency{{Instance: "db", Healthy: true}}; !slices.Equal(s.DependsOn, want) {
		t.Fatalf("wired depends_on = %+v, want %+v", s.DependsOn, want)
	}
}

func TestValidateDeclaredDependsOn(t *testing.T) {
	tests := []struct {
		name  string
		deps  map[string]DependsOn
		field string
		rule  string
	}{
		{"unknown instance", map[string]DependsOn{"nope": {}}, "instances.api.depends_on.nope", "names no instance"},
		{"itself", map[string]DependsOn{"api": {}}, "instances.api.depends_on.api", "itself"},
		{"bad condition", map[string]DependsOn{"db": {Condition: "service_ready"}}, "instances.api.depends_on.db.condition", "not a condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := validStack()
			st.Instances[0].Overrides.DependsOn = tt.deps
			assertFieldError(t, ValidateStack(st, stackTemplates()), tt.field, tt.rule)
		})
	}
}

func TestRenameInstanceRenamesDeclaredDeps(t *testing.T) {
	st := validStack()
	st.Instances[0].Overrides.DependsOn = map[string]DependsOn{"db": {Condition: ConditionHealthy}}
	if _, _, err := RenameInstance(&st, stackTemplates(), "db", "pg"); err != nil {
		t.Fatal(err)
	}
	api, _ := st.Instance("api")
	if _, ok := api.Overrides.DependsOn["pg"]; !ok || len(api.Overrides.DependsOn) != 1 {
		t.Fatalf("depends_on after rename = %+v", api.Overrides.DependsOn)
	}
}
