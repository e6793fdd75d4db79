package compose

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

func TestGenerateRules(t *testing.T) {
	shop := build(t, shopStack("shop"))
	p, err := Project(shop, Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := p.Services["api"]
	t.Run("wired env and depends_on", func(t *testing.T) {
		if v := api.Environment["DB_HOST"]; v == nil || *v != "devarch-shop-db" {
			t.Errorf("DB_HOST = %v", v)
		}
		if v := api.Environment["DATABASE_URL"]; v == nil || *v != core.Redacted {
			t.Errorf("secret DATABASE_URL = %v, want redacted", v)
		}
		want := types.DependsOnConfig{
			"cache": {Condition: "service_started", Required: true},
			"db":    {Condition: "service_healthy", Required: true},
		}
		if len(api.DependsOn) != 2 || api.DependsOn["cache"].Condition != want["cache"].Condition ||
			api.DependsOn["db"].Condition != want["db"].Condition || !api.DependsOn["db"].Required {
			t.Errorf("depends_on = %+v", api.DependsOn)
		}
	})
	t.Run("ports publish on loopback unless a host IP is given", func(t *testing.T) {
		if len(api.Ports) != 1 || api.Ports[0].Target != 8080 || api.Ports[0].Published != "8080" ||
			api.Ports[0].Protocol != "tcp" || api.Ports[0].HostIP != DefaultHostIP {
			t.Errorf("ports = %+v", api.Ports)
		}
	})
	t.Run("user label kept, devarch labels win", func(t *testing.T) {
		lab, err := Project(build(t, labStack()), Options{FilesDir: "/f"})
		if err != nil {
			t.Fatal(err)
		}
		l := lab.Services["db"].Labels
		if l["com.example.tier"] != "data" || l[core.LabelStack] != "lab" {
			t.Errorf("labels = %v", l)
		}
		if _, ok := lab.Services["old"]; ok {
			t.Errorf("disabled instance rendered")
		}
	})
	t.Run("config files mounted read-only from FilesDir", func(t *testing.T) {
		lab, err := Project(build(t, labStack()), Options{FilesDir: "/f"})
		if err != nil {
			t.Fatal(err)
		}
		var mounts []string
		for _, v := range lab.Services["web"].Volumes {
			mounts = append(mounts, fmt.Sprintf("%s %s:%s ro=%v", v.Type, v.Source, v.Target, v.ReadOnly))
		}
		want := []string{
			"bind /f/web/etc/nginx/conf.d/default.conf:/etc/nginx/conf.d/default.conf ro=true",
			"bind /f/web/run/secrets/token:/run/secrets/token ro=true",
		}
		if !slices.Equal(mounts, want) {
			t.Errorf("mounts = %q, want %q", mounts, want)
		}
	})
	t.Run("depends_on a disabled instance is dropped", func(t *testing.T) {
		d := shop
		d.Services = slices.Clone(shop.Services)
		for i := range d.Services {
			if d.Services[i].Instance == "cache" {
				d.Services[i].Enabled = false
			}
		}
		p, err := Project(d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Services["api"].DependsOn["cache"]; ok || len(p.Services["api"].DependsOn) != 1 {
			t.Errorf("depends_on = %+v", p.Services["api"].DependsOn)
		}
	})
	t.Run("dollar escaped", func(t *testing.T) {
		out, err := Generate(build(t, labStack()), Options{FilesDir: "/f", ShowSecrets: true})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "s3cr$$t") || strings.Contains(string(out), "s3cr$t") {
			t.Errorf("$ not escaped:\n%s", out)
		}
	})
	t.Run("secrets never in redacted output", func(t *testing.T) {
		out, err := Generate(build(t, labStack()), Options{FilesDir: "/f"})
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"s3cr", "tok-123", "devpass"} {
			if strings.Contains(string(out), secret) {
				t.Errorf("output contains secret %q", secret)
			}
		}
	})
}

func TestGenerateErrors(t *testing.T) {
	withFragment := func(frag string) core.Desired {
		st := shopStack("shop")
		st.Instances[2].Overrides.Compose = frag // api
		return build(t, st)
	}
	tests := []struct {
		name  string
		d     core.Desired
		opt   Options
		field string
		rule  string
	}{
		{"fragment sets container_name", withFragment("container_name: x\n"), Options{},
			"instances.api.compose", `sets "container_name", which devarch manages`},
		{"fragment sets networks", withFragment("networks: [a]\n"), Options{},
			"instances.api.compose", `sets "networks"`},
		{"fragment sets depends_on", withFragment("depends_on: [db]\n"), Options{},
			"instances.api.compose", `sets "depends_on"`},
		{"fragment sets ports", withFragment("ports: [\"9090:9090\"]\n"), Options{},
			"instances.api.compose", `sets "ports", which devarch manages; publish ports with --port`},
		{"fragment sets healthcheck", withFragment("healthcheck:\n  disable: true\n"), Options{},
			"instances.api.compose", `sets "healthcheck"`},
		{"fragment sets name", withFragment("name: other\n"), Options{},
			"instances.api.compose", `key "name" is not a compose service key`},
		{"fragment sets a devarch label", withFragment("labels:\n  devarch.stack: other\n"), Options{},
			"instances.api.compose", `sets label "devarch.stack"`},
		{"fragment sets a devarch label in list form", withFragment("labels: [\"devarch.instance=x\"]\n"), Options{},
			"instances.api.compose", `sets label "devarch.instance"`},
		{"fragment unknown key", withFragment("bogus_key: 1\n"), Options{},
			"instances.api.compose", `key "bogus_key" is not a compose service key`},
		{"fragment bad type", withFragment("mem_limit: [1, 2]\n"), Options{},
			"instances.api.compose", "is not a valid compose service"},
		{"fragment interpolates a variable", withFragment("command: [\"echo\", \"$$HOME is ${HOME}\"]\n"), Options{},
			"instances.api.compose", `a value uses variable interpolation`},
		{"fragment not a mapping", withFragment("- a\n- b\n"), Options{},
			"instances.api.compose", "is not a YAML mapping"},
		{"config files without FilesDir", build(t, labStack()), Options{},
			"instances.web.files[/etc/nginx/conf.d/default.conf]", "need a files directory"},
		{"relative FilesDir", build(t, labStack()), Options{FilesDir: "stacks/lab"},
			"files_dir", "is not an absolute path"},
		{"no stack", core.Desired{}, Options{}, "stack", "is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.d, tc.opt)
			var fe *core.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *core.FieldError", err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Rule, tc.rule) {
				t.Errorf("err = %v, want field %s and rule containing %q", err, tc.field, tc.rule)
			}
		})
	}
}

func TestFragmentMerge(t *testing.T) {
	st := shopStack("shop")
	st.Instances[2].Overrides.Compose = "labels:\n  com.example.tier: web\n  com.example.price: \"$$5\"\n" +
		"expose: [\"9090\"]\nstop_grace_period: 30s\nx-note: hi\n"
	p, err := Project(build(t, st), Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := p.Services["api"]
	if api.Labels["com.example.tier"] != "web" {
		t.Errorf("fragment label missing: %v", api.Labels)
	}
	if api.Labels[core.LabelStack] != "shop" {
		t.Errorf("labels not merged by key: %v", api.Labels)
	}
	if api.Labels["com.example.price"] != "$$5" {
		t.Errorf("fragment $$ not kept escaped: %v", api.Labels)
	}
	if len(api.Expose) != 1 || api.Expose[0] != "9090" {
		t.Errorf("fragment list not set: %+v", api.Expose)
	}
	if len(api.Ports) != 1 || api.Ports[0].Target != 8080 {
		t.Errorf("ports changed by a fragment without ports: %+v", api.Ports)
	}
	if api.StopGracePeriod == nil || time.Duration(*api.StopGracePeriod) != 30*time.Second {
		t.Errorf("stop_grace_period = %v", api.StopGracePeriod)
	}
	if api.Extensions["x-note"] != "hi" {
		t.Errorf("extension = %v", api.Extensions)
	}
	if api.ContainerName != "devarch-shop-api" || api.Labels[core.LabelInstance] != "api" {
		t.Errorf("devarch keys changed: %s %v", api.ContainerName, api.Labels)
	}
}

func TestGenerateCollectsEveryError(t *testing.T) {
	st := shopStack("shop")
	st.Instances[0].Overrides.Compose = "container_name: x\n" // db
	st.Instances[2].Overrides.Compose = "bogus: 1\n"          // api
	_, err := Generate(build(t, st), Options{})
	fes := core.AsFieldErrors(err)
	if len(fes) != 2 || fes[0].Field != "instances.api.compose" || fes[1].Field != "instances.db.compose" {
		t.Fatalf("err = %v, want one field error per bad instance, sorted", err)
	}
}

// BenchmarkGenerate renders a 20-instance stack.
func BenchmarkGenerate(b *testing.B) {
	st := core.Stack{Name: "bench", Lineage: "lin-bench"}
	st.Instances = append(st.Instances, inst("db", "postgres"), inst("cache", "redis"))
	for i := range 18 {
		in := inst(fmt.Sprintf("api%02d", i), "api")
		if i%3 == 0 {
			in = inst(fmt.Sprintf("web%02d", i), "nginx")
		}
		in.Overrides.Ports = &[]core.Port{{Host: 9000 + i, Container: 8080}}
		st.Instances = append(st.Instances, in)
	}
	d := build(b, st)
	opt := Options{FilesDir: "/home/dev/.devarch/stacks/bench"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(d, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPortHostIP(t *testing.T) {
	for _, tc := range []struct{ given, want string }{
		{"", DefaultHostIP},
		{"0.0.0.0", "0.0.0.0"},
		{"192.168.1.5", "192.168.1.5"},
		{"::1", "::1"},
	} {
		t.Run("host ip "+tc.given, func(t *testing.T) {
			st := shopStack("ports")
			for i := range st.Instances {
				if st.Instances[i].Name == "api" {
					st.Instances[i].Overrides.Ports = &[]core.Port{{HostIP: tc.given, Host: 8080, Container: 8080}}
				}
			}
			p, err := Project(build(t, st), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Services["api"].Ports; len(got) != 1 || got[0].HostIP != tc.want {
				t.Errorf("ports = %+v; want host_ip %q", got, tc.want)
			}
		})
	}
}
