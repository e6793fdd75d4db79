package devfile

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestComposeSecretsAndConfigs(t *testing.T) {
	data := composeFixture(t, "secrets-configs.yml")
	if got, want := ObjectFiles(data, nil), []string{"./app.conf", "./secrets/db_password.txt"}; !slices.Equal(got, want) {
		t.Fatalf("ObjectFiles = %v, want %v", got, want)
	}
	if names, _ := ReferencedVariables(data); !slices.Contains(names, "API_TOKEN") {
		t.Errorf("referenced variables %v lack API_TOKEN, which a secret reads", names)
	}
	opt := composeOpts("secrets-configs.yml", "app")
	opt.Environment = map[string]string{"API_TOKEN": "t0ken-value"}
	opt.Files = map[string]string{"/srv/project/secrets/db_password.txt": "pw-from-file\n", "/srv/project/app.conf": "a = 1\n"}
	ci, err := FromCompose(data, opt)
	if err != nil {
		t.Fatal(err)
	}
	var db core.Template
	for _, tp := range ci.Templates {
		if tp.Name == "app-db" {
			db = tp
		}
	}
	want := []core.ConfigFile{
		{Target: "/run/secrets/db_password", Content: "pw-from-file\n", Mode: 0o444, Sensitive: true},
		{Target: "/run/secrets/token", Content: "t0ken-value", Mode: 0o400, Sensitive: true},
		{Target: "/app_conf", Content: "a = 1\n", Mode: 0o444},
		{Target: "/etc/inline.conf", Content: "port = 8080\n", Mode: 0o444},
	}
	if !slices.Equal(db.Files, want) {
		t.Errorf("db files = %+v\nwant %+v", db.Files, want)
	}
	for _, w := range [][]string{{"services.db.secrets[1]", "uid/gid"}, {"configs.ext_conf.external", "/etc/nginx/ext.conf"}} {
		if !hasWarning(ci.Warnings, w...) {
			t.Errorf("warnings %q lack %q", ci.Warnings, w)
		}
	}
	if out := generated(t, ci); !strings.Contains(out, "target: /run/secrets/db_password") {
		t.Errorf("the secret is not mounted:\n%s", out)
	}

	opt.Files = nil
	_, err = FromCompose(data, opt)
	if err == nil || !strings.Contains(err.Error(), "secrets.db_password.file") || !strings.Contains(err.Error(), "/srv/project/secrets/db_password.txt") {
		t.Errorf("a file the CLI did not send: %v", err)
	}
	opt.Files = map[string]string{"/srv/project/secrets/db_password.txt": "x", "/srv/project/app.conf": "y"}
	opt.Environment = nil
	_, err = FromCompose(data, opt)
	if err == nil || !strings.Contains(err.Error(), "API_TOKEN") {
		t.Errorf("a secret from an unset variable: %v", err)
	}
}

func TestComposeBuilds(t *testing.T) {
	ci, err := fromCompose(t, "builds.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]core.Template{}
	for _, tp := range ci.Templates {
		byName[tp.Name] = tp
	}
	tests := []struct {
		name string
		want core.ImageBuild
	}{
		{"app-api", core.ImageBuild{Context: "/srv/project/api"}},
		{"app-worker", core.ImageBuild{Context: "/srv/project/worker", Dockerfile: "docker/Dockerfile.dev", Target: "dev", Args: core.BuildArgs{"GO_VERSION": "1.24"}, Image: "shop/worker:dev"}},
		{"app-web", core.ImageBuild{Context: "/srv/project", Args: core.BuildArgs{"NODE_ENV": "development"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := byName[tt.name]
			b := tp.Build
			if b == nil || tp.Image != "" || b.Context != tt.want.Context || b.Dockerfile != tt.want.Dockerfile || b.Target != tt.want.Target ||
				b.Image != tt.want.Image || !maps.Equal(b.Args, tt.want.Args) {
				t.Fatalf("template = image %q, build %+v; want %+v", tp.Image, b, tt.want)
			}
		})
	}
	if !hasWarning(ci.Warnings, "services.worker.build.cache_from", "not carried over") {
		t.Errorf("warnings = %q", ci.Warnings)
	}
	out := generated(t, ci)
	for _, want := range []string{"image: devarch-app-api:latest", "image: shop/worker:dev", "context: /srv/project/worker", "target: dev"} {
		if !strings.Contains(out, want) {
			t.Errorf("generated project lacks %q:\n%s", want, out)
		}
	}

	_, err = fromComposeData(t, "services:\n  a:\n    build: https://github.com/acme/a.git#main\n", nil)
	if err == nil || !strings.Contains(err.Error(), "services.a.build.context") || !strings.Contains(err.Error(), "remote build context") {
		t.Errorf("remote context: %v", err)
	}
}
