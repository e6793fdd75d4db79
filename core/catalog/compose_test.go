package catalog

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
)

// TestAllBuiltinsInOneStack puts one instance of every built-in template in
// a stack: it must validate, wire without errors and generate a compose
// project that compose-go loads with validation on.
func TestAllBuiltinsInOneStack(t *testing.T) {
	tpls := Builtin()
	st := core.Stack{Name: "shop", Lineage: "0123456789abcdef"}
	for _, name := range Names() {
		st.Instances = append(st.Instances, core.Instance{Name: name, Template: name, Enabled: true})
	}
	if err := core.ValidateStack(st, tpls); err != nil {
		t.Fatalf("ValidateStack: %v", err)
	}
	d, err := core.Build(st, tpls)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	out, err := compose.Generate(d, compose.Options{})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yml", Content: out}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName(core.ProjectName(st.Name), true) })
	if err != nil {
		t.Fatalf("compose-go refuses the generated project: %v\n%s", err, out)
	}
	if len(p.Services) != len(Names()) {
		t.Errorf("%d services, want %d", len(p.Services), len(Names()))
	}
	for name, svc := range p.Services {
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck in compose", name)
		}
	}
	if strings.Contains(string(out), "postgres:postgres@") {
		t.Error("a secret default appears in the generated compose without ShowSecrets")
	}
}

// TestVolumeNamesDistinct keeps the named volumes of different built-ins
// apart, since named volumes are shared by a stack's project.
func TestVolumeNamesDistinct(t *testing.T) {
	owner := map[string]string{}
	for name, tpl := range Builtin() {
		for _, v := range tpl.Volumes {
			if other, ok := owner[v.Source]; ok {
				t.Errorf("volume %q used by %s and %s", v.Source, other, name)
			}
			owner[v.Source] = name
		}
	}
}
