package devfile

import (
	"maps"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func buildStack() (core.Stack, []core.Template) {
	tpl := core.Template{Name: "shop-api", Build: &core.ImageBuild{
		Context: "/home/dev/shop/api", Dockerfile: "Dockerfile.dev", Args: map[string]string{"GO": "1.24"},
	}}
	st := core.Stack{Name: "shop", Instances: []core.Instance{
		{Name: "api", Template: "shop-api", Enabled: true, Overrides: core.Overrides{
			DependsOn: map[string]core.DependsOn{"web": {Condition: core.ConditionStarted}},
		}},
		{Name: "web", Template: "shop-api", Enabled: true, Overrides: core.Overrides{
			Build: &core.ImageBuild{Context: "/home/dev/shop/web", Target: "dev", Image: "shop/web:dev"},
		}},
	}}
	return st, []core.Template{tpl}
}

// TestBuildContextsRelativeToTheFile exports build contexts relative to
// the file's directory and imports them against another one, as a clone of
// the repository elsewhere would.
func TestBuildContextsRelativeToTheFile(t *testing.T) {
	st, tpls := buildStack()
	out, err := Export(st, tpls, ExportOptions{Dir: "/home/dev/shop"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"context: ./api", "context: ./web", "dockerfile: Dockerfile.dev", "depends_on:"} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "/home/dev") {
		t.Errorf("export holds an absolute path:\n%s", text)
	}
	res, err := Parse(out, ParseOptions{Templates: builtins(t), Dir: "/work/clone"})
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Templates[0].Build; b == nil || b.Context != "/work/clone/api" || b.Dockerfile != "Dockerfile.dev" || !maps.Equal(b.Args, map[string]string{"GO": "1.24"}) {
		t.Errorf("template build = %+v", b)
	}
	web, _ := res.Stack.Instance("web")
	if b := web.Overrides.Build; b == nil || b.Context != "/work/clone/web" || b.Target != "dev" || b.Image != "shop/web:dev" {
		t.Errorf("instance build = %+v", b)
	}
	api, _ := res.Stack.Instance("api")
	if _, ok := api.Overrides.DependsOn["web"]; !ok {
		t.Errorf("depends_on lost: %+v", api.Overrides)
	}

	_, err = Parse(out, ParseOptions{Templates: builtins(t)})
	if err == nil || !strings.Contains(err.Error(), "templates.shop-api.build.context") || !strings.Contains(err.Error(), "relative") {
		t.Errorf("a relative context without the file's directory: %v", err)
	}
}

func TestBuildShortFormInDevfile(t *testing.T) {
	file := `version: 1
stack: {name: shop}
templates:
  shop-api:
    build: ./api
instances:
  api: {template: shop-api}
  api2:
    template: shop-api
    build: {context: ../other, args: [A=1]}
`
	res, err := Parse([]byte(file), ParseOptions{Templates: builtins(t), Dir: "/repo/shop"})
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Templates[0].Build; b == nil || b.Context != "/repo/shop/api" {
		t.Errorf("short form = %+v", b)
	}
	in, _ := res.Stack.Instance("api2")
	if b := in.Overrides.Build; b == nil || b.Context != "/repo/other" || b.Args["A"] != "1" {
		t.Errorf("long form = %+v", b)
	}
}
