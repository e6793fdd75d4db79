package core

import (
	"io/fs"
	"maps"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestImageBuildYAMLForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     ImageBuild
		err      string
	}{
		{name: "short form", in: `./app`, want: ImageBuild{Context: "./app"}},
		{name: "long form, args mapping", in: "context: /src/app\ndockerfile: docker/Dockerfile.dev\ntarget: dev\nargs: {GO_VERSION: \"1.24\", DEBUG: \"1\"}\nimage: shop/api:dev",
			want: ImageBuild{Context: "/src/app", Dockerfile: "docker/Dockerfile.dev", Target: "dev", Args: map[string]string{"GO_VERSION": "1.24", "DEBUG": "1"}, Image: "shop/api:dev"}},
		{name: "args list", in: "context: .\nargs: [A=1, B=x=y]", want: ImageBuild{Context: ".", Args: map[string]string{"A": "1", "B": "x=y"}}},
		{name: "args list item without =", in: "context: .\nargs: [A]", err: "must be KEY=VALUE"},
		{name: "unknown key", in: "context: .\ncache_from: [x]", err: "cache_from"},
		{name: "a number", in: `12`, err: "must be a context directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b ImageBuild
			err := yaml.Unmarshal([]byte(tt.in), &b)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Context != tt.want.Context || b.Dockerfile != tt.want.Dockerfile || b.Target != tt.want.Target ||
				b.Image != tt.want.Image || !maps.Equal(b.Args, tt.want.Args) {
				t.Fatalf("got %+v, want %+v", b, tt.want)
			}
		})
	}
}

func TestImageBuildMarshalYAML(t *testing.T) {
	out, err := yaml.Marshal(ImageBuild{Context: "./app"})
	if err != nil || strings.TrimSpace(string(out)) != "./app" {
		t.Fatalf("short form: %q, %v", out, err)
	}
	out, err = yaml.Marshal(ImageBuild{Context: "./app", Target: "dev", Args: map[string]string{"A": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	var back ImageBuild
	if err := yaml.Unmarshal(out, &back); err != nil || back.Target != "dev" || back.Args["A"] != "1" {
		t.Fatalf("long form does not read back: %q -> %+v, %v", out, back, err)
	}
}

func buildTemplate() Template {
	return Template{Name: "api", Build: &ImageBuild{Context: "/src/shop/api", Args: map[string]string{"GO": "1.24"}}}
}

func TestValidateBuild(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Template)
		field  string
		rule   string
	}{
		{name: "build without image is valid", mutate: func(*Template) {}},
		{name: "relative context", mutate: func(t *Template) { t.Build.Context = "./api" }, field: "templates.api.build.context", rule: "not an absolute path"},
		{name: "no context", mutate: func(t *Template) { t.Build.Context = "" }, field: "templates.api.build.context", rule: "is required"},
		{name: "image with build", mutate: func(t *Template) { t.Image = "docker.io/library/golang:1.24" }, field: "templates.api.image", rule: "build.image"},
		{name: "bad target", mutate: func(t *Template) { t.Build.Target = "dev stage" }, field: "templates.api.build.target", rule: "stage name"},
		{name: "bad arg name", mutate: func(t *Template) { t.Build.Args["A B"] = "1" }, field: "templates.api.build.args", rule: "build argument name"},
		{name: "bad image", mutate: func(t *Template) { t.Build.Image = "Shop/API" }, field: "templates.api.build.image", rule: "not a valid image name"},
		{name: "local image name", mutate: func(t *Template) { t.Build.Image = "shop-api:dev" }},
		{name: "registry image name", mutate: func(t *Template) { t.Build.Image = "localhost:5000/shop/api:dev" }},
		{name: "neither image nor build", mutate: func(t *Template) { t.Build = nil }, field: "templates.api.image", rule: "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := buildTemplate()
			tt.mutate(&tpl)
			err := ValidateTemplate(tpl)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func TestValidateStackBuildOverrides(t *testing.T) {
	tpls := stackTemplates()
	tpls["built"] = buildTemplate()
	tests := []struct {
		name  string
		inst  Instance
		field string
		rule  string
	}{
		{name: "instance build over an image template", inst: Instance{Name: "x", Template: "postgres", Overrides: Overrides{Build: &ImageBuild{Context: "/src/pg"}}}},
		{name: "relative instance context", inst: Instance{Name: "x", Template: "postgres", Overrides: Overrides{Build: &ImageBuild{Context: "pg"}}}, field: "instances.x.build.context", rule: "absolute"},
		{name: "no_build with an image", inst: Instance{Name: "x", Template: "built", Overrides: Overrides{NoBuild: true, Image: vptr("docker.io/shop/api:1")}}},
		{name: "no_build without an image", inst: Instance{Name: "x", Template: "built", Overrides: Overrides{NoBuild: true}}, field: "instances.x.image", rule: "needs an image"},
		{name: "no_build on a template that does not build", inst: Instance{Name: "x", Template: "postgres", Overrides: Overrides{NoBuild: true}}, field: "instances.x.no_build", rule: "does not build"},
		{name: "tag on a build", inst: Instance{Name: "x", Template: "built", Overrides: Overrides{Tag: vptr("2")}}, field: "instances.x.build", rule: "build.image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: []Instance{tt.inst}}
			err := ValidateStack(st, tpls)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func TestCheckBuildPaths(t *testing.T) {
	files := map[string]bool{"/src/api": true, "/src/api/Dockerfile": false, "/src/api/docker/Dockerfile.dev": false, "/src/file": false}
	stat := func(p string) (bool, error) {
		dir, ok := files[p]
		if !ok {
			return false, fs.ErrNotExist
		}
		return dir, nil
	}
	tests := []struct {
		name  string
		b     ImageBuild
		field string
		rule  string
	}{
		{name: "default Dockerfile", b: ImageBuild{Context: "/src/api"}},
		{name: "relative Dockerfile", b: ImageBuild{Context: "/src/api", Dockerfile: "docker/Dockerfile.dev"}},
		{name: "missing context", b: ImageBuild{Context: "/src/gone"}, field: "instances.api.build.context", rule: "/src/gone"},
		{name: "context is a file", b: ImageBuild{Context: "/src/file"}, field: "instances.api.build.context", rule: "not a directory"},
		{name: "missing Dockerfile", b: ImageBuild{Context: "/src/api", Dockerfile: "Dockerfile.prod"}, field: "instances.api.build.dockerfile", rule: "/src/api/Dockerfile.prod"},
		{name: "Dockerfile is a directory", b: ImageBuild{Context: "/src", Dockerfile: "api"}, field: "instances.api.build.dockerfile", rule: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "Dockerfile is a directory" {
				files["/src"] = true
			}
			err := CheckBuildPaths("instances.api.build", tt.b, stat)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func TestBuildContextRelativeAndBack(t *testing.T) {
	tests := []struct{ dir, abs, rel string }{
		{"/repo", "/repo/api", "./api"},
		{"/repo", "/repo", "."},
		{"/repo/deploy", "/repo/api", "../api"},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			b := &ImageBuild{Context: tt.abs, Args: map[string]string{"A": "1"}}
			rel := RelativeBuild(b, tt.dir)
			if rel.Context != tt.rel || b.Context != tt.abs {
				t.Fatalf("relative = %q (input now %q), want %q", rel.Context, b.Context, tt.rel)
			}
			back, ok := AbsoluteBuild(rel, tt.dir)
			if !ok || back.Context != tt.abs {
				t.Fatalf("back = %q, %v; want %q", back.Context, ok, tt.abs)
			}
		})
	}
	if _, ok := AbsoluteBuild(&ImageBuild{Context: "./api"}, ""); ok {
		t.Fatal("a relative context with no directory to resolve it against must be reported")
	}
}

func TestMergeBuild(t *testing.T) {
	tpl := buildTemplate()
	t.Run("inherited", func(t *testing.T) {
		s := Merge(tpl, Instance{Name: "api"})
		if s.Build == nil || s.Build.Context != "/src/shop/api" || s.Image != "" {
			t.Fatalf("service = %+v", s)
		}
		s.Build.Args["GO"] = "changed"
		if tpl.Build.Args["GO"] != "1.24" {
			t.Fatal("the merged build shares memory with the template")
		}
	})
	t.Run("replaced as a whole", func(t *testing.T) {
		s := Merge(tpl, Instance{Name: "api", Overrides: Overrides{Build: &ImageBuild{Context: "/src/other", Image: "other:dev"}}})
		if s.Build.Context != "/src/other" || s.Build.Args != nil || s.Image != "other:dev" {
			t.Fatalf("service = %+v, build %+v; want the instance's build only", s, s.Build)
		}
	})
	t.Run("no_build runs the image", func(t *testing.T) {
		s := Merge(tpl, Instance{Name: "api", Overrides: Overrides{NoBuild: true, Image: vptr("docker.io/shop/api:1")}})
		if s.Build != nil || s.Image != "docker.io/shop/api:1" {
			t.Fatalf("service = %+v", s)
		}
	})
	t.Run("default image is derived from stack and instance", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{{Name: "api", Template: "api", Enabled: true}}}
		d, err := Build(st, map[string]Template{"api": tpl})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := d.Service("api")
		if s.Image != "devarch-shop-api:latest" || s.Build.Image != s.Image {
			t.Fatalf("image = %q, build image %q", s.Image, s.Build.Image)
		}
	})
}
