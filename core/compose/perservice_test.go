package compose

import (
	"reflect"
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestGeneratePerService(t *testing.T) {
	st := labStack()
	st.ComposeMode = core.ComposeModePerService
	d := build(t, st)
	opt := Options{FilesDir: "/home/dev/.devarch/stacks/lab"}
	projects, err := GeneratePerService(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	again, err := GeneratePerService(d, opt)
	if err != nil || !reflect.DeepEqual(projects, again) {
		t.Fatalf("output is not deterministic (err %v)", err)
	}
	whole, err := Generate(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	stack := loadBytes(t, whole)

	var names []string
	for _, ip := range projects {
		names = append(names, ip.Instance)
	}
	if want := d.Order; !slices.Equal(names, want) {
		t.Fatalf("projects for %v, want the enabled instances in startup order %v", names, want)
	}
	netName := core.NetworkName("lab")
	for _, ip := range projects {
		t.Run(ip.Instance, func(t *testing.T) {
			if ip.Name != "devarch-lab-"+ip.Instance {
				t.Errorf("project name %q", ip.Name)
			}
			p := loadBytes(t, ip.YAML)
			if p.Name != ip.Name {
				t.Errorf("loaded project name %q, want %q", p.Name, ip.Name)
			}
			if got := p.ServiceNames(); !slices.Equal(got, []string{ip.Instance}) {
				t.Fatalf("services %v, want only %s", got, ip.Instance)
			}
			n, ok := p.Networks[netName]
			if !ok || !bool(n.External) || n.Name != netName {
				t.Errorf("stack network = %+v, want %s declared external", n, netName)
			}
			if j := p.Networks[core.NetworkName("shop")]; !bool(j.External) {
				t.Errorf("joined network = %+v, want external", j)
			}
			got, want := p.Services[ip.Instance], stack.Services[ip.Instance]
			if len(got.DependsOn) != 0 {
				t.Errorf("depends_on = %v; compose cannot depend on another project", got.DependsOn)
			}
			for _, f := range []struct {
				field  string
				ta, tb any
			}{
				{"container_name", got.ContainerName, want.ContainerName},
				{"labels", got.Labels, want.Labels},
				{"networks", got.Networks, want.Networks},
				{"environment", got.Environment, want.Environment},
				{"volumes", got.Volumes, want.Volumes},
				{"healthcheck", got.HealthCheck, want.HealthCheck},
				{"image", got.Image, want.Image},
			} {
				if !reflect.DeepEqual(f.ta, f.tb) {
					t.Errorf("%s differs from stack mode:\nper-service: %#v\nstack:       %#v", f.field, f.ta, f.tb)
				}
			}
			for key, v := range p.Volumes {
				if wantName := stack.Volumes[key].Name; v.Name != wantName {
					t.Errorf("volume %s is named %q, want %q as in stack mode", key, v.Name, wantName)
				}
			}
		})
	}
	if len(projects) == 0 {
		t.Fatal("no projects")
	}
	if db := projects[slices.IndexFunc(projects, func(ip InstanceProject) bool { return ip.Instance == "db" })]; !slices.Contains(loadBytes(t, db.YAML).VolumeNames(), "labdata") {
		t.Errorf("db project declares no labdata volume:\n%s", db.YAML)
	}
}

func TestPerServiceDropsCrossProjectDependsOn(t *testing.T) {
	d := build(t, shopStack("shop"))
	whole, err := Generate(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(loadBytes(t, whole).Services["api"].DependsOn) == 0 {
		t.Fatal("stack mode api has no depends_on: the case tests nothing")
	}
	projects, err := GeneratePerService(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{}
	for i, ip := range projects {
		order[ip.Instance] = i
		if deps := loadBytes(t, ip.YAML).Services[ip.Instance].DependsOn; len(deps) != 0 {
			t.Errorf("%s depends_on = %v in its own project", ip.Instance, deps)
		}
	}
	if order["db"] > order["api"] || order["cache"] > order["api"] {
		t.Errorf("project order %v: providers must come before api", order)
	}
}
