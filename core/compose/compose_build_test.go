package compose

import (
	"context"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// TestGenerateBuildAndDeclaredDeps renders a service that builds its image
// and declares its own depends_on, and reads the result back with compose-go.
func TestGenerateBuildAndDeclaredDeps(t *testing.T) {
	tpls := testTemplates()
	tpls["shop-api"] = core.Template{Name: "shop-api", Build: &core.ImageBuild{
		Context: "/src/shop", Dockerfile: "api/Dockerfile", Target: "dev",
		Args: map[string]string{"GO_VERSION": "1.24", "PRICE": "$5"},
	}}
	tpls["shop-web"] = core.Template{Name: "shop-web", Build: &core.ImageBuild{Context: "/src/web", Image: "shop/web:dev"}}
	st := core.Stack{Name: "shop", Lineage: "lin", Instances: []core.Instance{
		inst("db", "postgres"),
		{Name: "api", Template: "shop-api", Enabled: true, Overrides: core.Overrides{DependsOn: map[string]core.DependsOn{
			"db": {Condition: core.ConditionHealthy, Restart: true}, "web": {Optional: true},
		}}},
		inst("web", "shop-web"),
	}}
	d, err := core.Build(st, tpls)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: out}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("devarch-shop", true) })
	if err != nil {
		t.Fatalf("compose-go refuses the project: %v\n%s", err, out)
	}
	api := p.Services["api"]
	if api.Image != "devarch-shop-api:latest" || api.PullPolicy != "" {
		t.Errorf("api image = %q, pull_policy %q; want the default build image and no pull policy", api.Image, api.PullPolicy)
	}
	b := api.Build
	if b == nil || b.Context != "/src/shop" || b.Dockerfile != "api/Dockerfile" || b.Target != "dev" {
		t.Fatalf("api build = %+v", b)
	}
	if v := b.Args["PRICE"]; v == nil || *v != "$5" {
		t.Errorf("build arg PRICE = %v; a $ must reach the build as written", v)
	}
	if web := p.Services["web"]; web.Image != "shop/web:dev" || web.Build == nil || web.Build.Context != "/src/web" {
		t.Errorf("web = image %q build %+v", web.Image, web.Build)
	}
	want := types.DependsOnConfig{
		"db":  {Condition: core.ConditionHealthy, Restart: true, Required: true},
		"web": {Condition: core.ConditionStarted, Required: false},
	}
	for name, w := range want {
		if got := api.DependsOn[name]; got.Condition != w.Condition || got.Restart != w.Restart || got.Required != w.Required {
			t.Errorf("api depends_on %s = %+v, want %+v", name, got, w)
		}
	}
}
