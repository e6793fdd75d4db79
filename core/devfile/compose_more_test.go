package devfile

import (
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
)

// fromCompose imports a compose file given inline as stack "app".
func fromCompose(t *testing.T, file string, env map[string]string, profiles ...string) (*ComposeImport, error) {
	t.Helper()
	opt := composeOpts("compose.yaml", "app")
	opt.Environment, opt.Profiles = env, profiles
	return FromCompose([]byte(file), opt)
}

// generated is the compose project devarch generates for an import, with
// every instance enabled: it proves the fragments load in compose-go.
func generated(t *testing.T, ci *ComposeImport) string {
	t.Helper()
	tpls := builtins(t)
	for _, tp := range ci.Templates {
		tpls[tp.Name] = tp
	}
	st := ci.Stack
	st.Instances = slices.Clone(st.Instances)
	for i := range st.Instances {
		st.Instances[i].Enabled = true
	}
	d, err := core.Build(st, tpls)
	if err != nil {
		t.Fatalf("imported stack does not build: %v", err)
	}
	out, err := compose.Generate(d, compose.Options{ShowSecrets: true, FilesDir: "/tmp/files"})
	if err != nil {
		t.Fatalf("imported stack does not generate: %v", err)
	}
	return string(out)
}

func effectiveEnv(t *testing.T, ci *ComposeImport, name string) map[string]core.EnvVar {
	t.Helper()
	inst, ok := ci.Stack.Instance(name)
	if !ok {
		t.Fatalf("no instance %s", name)
	}
	env := map[string]core.EnvVar{}
	for _, tp := range ci.Templates {
		if tp.Name == inst.Template {
			for k, v := range tp.Env {
				env[k] = v
			}
		}
	}
	for k, v := range inst.Overrides.Env {
		env[k] = v
	}
	return env
}

func hasWarning(ws []string, parts ...string) bool {
	return slices.ContainsFunc(ws, func(w string) bool {
		for _, p := range parts {
			if !strings.Contains(w, p) {
				return false
			}
		}
		return true
	})
}

func TestComposeInterpolation(t *testing.T) {
	const web = `services:
  web:
    image: ghcr.io/acme/web:1
    ports: ["${WEB_PORT}:8080"]
    environment:
      DB_URL: postgres://app:${DB_PASSWORD}@db/app
      LEVEL: ${LEVEL:-info}
      EMPTY: ${EMPTY:-}
      FROM_ENV:
      LITERAL: "$$HOME"
`
	tests := []struct {
		name      string
		file      string
		env       map[string]string
		wantEnv   map[string]string // effective values
		secret    []string          // keys that must be secret
		absent    []string          // keys that must be left out
		wantPort  int
		warnings  [][]string // each: parts of one warning
		noWarning string     // no warning may contain it
		wantErr   []string
	}{
		{
			name:      "process environment and .env values",
			file:      web,
			env:       map[string]string{"WEB_PORT": "18080", "DB_PASSWORD": "s3cr$t", "FROM_ENV": "yes"},
			wantEnv:   map[string]string{"DB_URL": "postgres://app:s3cr$t@db/app", "LEVEL": "info", "EMPTY": "", "FROM_ENV": "yes", "LITERAL": "$HOME"},
			secret:    []string{"DB_URL"},
			wantPort:  18080,
			noWarning: "variable",
		},
		{
			name:      "unset variables are warnings naming them",
			file:      web,
			env:       map[string]string{"WEB_PORT": "18080"},
			wantEnv:   map[string]string{"DB_URL": "postgres://app:@db/app", "LEVEL": "info"},
			absent:    []string{"FROM_ENV"},
			wantPort:  18080,
			warnings:  [][]string{{"variable DB_PASSWORD is not set"}, {"services.web.environment.FROM_ENV", "left out"}},
			noWarning: "EMPTY",
		},
		{
			name:    "a required variable that is set",
			file:    "services:\n  db:\n    image: ghcr.io/acme/db:1\n    environment:\n      PASSWORD: ${DB_PASS:?set DB_PASS in .env}\n",
			env:     map[string]string{"DB_PASS": "hunter2"},
			wantEnv: map[string]string{"PASSWORD": "hunter2"},
			secret:  []string{"PASSWORD"},
		},
		{
			name:    "a required variable that is not set names it",
			file:    "services:\n  db:\n    image: ghcr.io/acme/db:1\n    environment:\n      PASSWORD: ${DB_PASS:?set DB_PASS in .env}\n",
			wantErr: []string{"services.db.environment.PASSWORD (line 5)", "required variable DB_PASS", "set DB_PASS in .env"},
		},
		{
			name:    "a required variable that is empty",
			file:    "services:\n  db:\n    image: ghcr.io/acme/db:1\n    ports: [\"${PORT:?}:5432\"]\n",
			env:     map[string]string{"PORT": ""},
			wantErr: []string{"services.db.ports", "required variable PORT"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, tc.env)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			name := ci.Stack.Instances[0].Name
			env := effectiveEnv(t, ci, name)
			for k, v := range tc.wantEnv {
				if env[k].Value != v {
					t.Errorf("env %s = %q, want %q", k, env[k].Value, v)
				}
			}
			for _, k := range tc.secret {
				if !env[k].Secret {
					t.Errorf("env %s should be secret", k)
				}
			}
			for _, k := range tc.absent {
				if _, ok := env[k]; ok {
					t.Errorf("env %s should be left out", k)
				}
			}
			if tc.wantPort != 0 {
				if len(ci.Templates) != 1 || len(ci.Templates[0].Ports) != 1 || ci.Templates[0].Ports[0].Host != tc.wantPort {
					t.Errorf("templates = %+v; want host port %d", ci.Templates, tc.wantPort)
				}
			}
			for _, w := range tc.warnings {
				if !hasWarning(ci.Warnings, w...) {
					t.Errorf("warnings %q lack one with %q", ci.Warnings, w)
				}
			}
			if tc.noWarning != "" && hasWarning(ci.Warnings, tc.noWarning) {
				t.Errorf("warnings %q should not mention %q", ci.Warnings, tc.noWarning)
			}
			if v := tc.env["DB_PASSWORD"]; v != "" {
				for _, w := range ci.Warnings {
					if strings.Contains(w, v) {
						t.Errorf("a warning shows a value: %q", w)
					}
				}
			}
			generated(t, ci)
		})
	}
}

func TestReferencedVariables(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []string
		wantAll bool
	}{
		{"references and bare keys", "services:\n  a:\n    image: x:${TAG:-1}\n    ports: [\"$PORT:80\"]\n    environment: [FOO, BAR=1, \"BAZ=${QUX:?x}\"]\n  b:\n    image: y\n    environment: {ONE: null, TWO: \"${THREE}\"}\n",
			[]string{"FOO", "ONE", "PORT", "QUX", "TAG", "THREE"}, false},
		{"escaped dollars are no reference", "services:\n  a:\n    image: x\n    command: echo $$HOME\n", nil, false},
		{"include pulls in other files", "include: [other.yml]\nservices:\n  a:\n    image: x\n", nil, true},
		{"extends from a file", "services:\n  a:\n    extends: {file: base.yml, service: a}\n", nil, true},
		{"broken file", "services: [", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, all := ReferencedVariables([]byte(tc.file))
			if all != tc.wantAll || !slices.Equal(got, tc.want) {
				t.Errorf("got %v (all %v), want %v (all %v)", got, all, tc.want, tc.wantAll)
			}
		})
	}
	files := EnvFiles([]byte("services:\n  a:\n    image: x\n    env_file: [a.env, {path: b.env, required: false}]\n  b:\n    image: y\n    env_file: c.env\n    label_file: d.labels\n"))
	want := map[string]bool{"a.env": true, "b.env": false, "c.env": true, "d.labels": true}
	if len(files) != len(want) {
		t.Errorf("env files = %v, want %v", files, want)
	}
	for k, v := range want {
		if got, ok := files[k]; !ok || got != v {
			t.Errorf("env file %s = %v, %v; want %v", k, got, ok, v)
		}
	}
}

// TestComposeCarriesOverOrWarns: every service key and top-level setting is
// either carried over (as a devarch field or in the compose fragment) or
// named in a warning.
func TestComposeCarriesOverOrWarns(t *testing.T) {
	tests := []struct {
		name     string
		service  string // the keys of service "svc" (image ghcr.io/acme/svc:1), indented by 4
		top      string // top-level keys after services
		fragment []string
		notFrag  []string
		warnings [][]string
		disabled bool
	}{
		{
			name: "fragment keys",
			service: `    cap_add: [NET_ADMIN]
    privileged: true
    tmpfs: [/run]
    extra_hosts: ["db.local:10.0.0.2"]
    working_dir: /app
    stop_grace_period: 30s
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    init: true
    read_only: true
    command: ["sh", "-c", "echo $$HOME"]
    x-note: kept
`,
			fragment: []string{"cap_add:\n  - NET_ADMIN", "privileged: true", "tmpfs:\n  - /run", "extra_hosts:\n  - db.local:10.0.0.2",
				"working_dir: /app", "stop_grace_period: 30s", "nofile:", "init: true", "read_only: true", "x-note: kept"},
			notFrag: []string{"command", "image"},
		},
		{
			name: "more fragment keys",
			service: `    hostname: svc-host
    dns: [1.1.1.1]
    security_opt: ["no-new-privileges:true"]
    sysctls: {net.core.somaxconn: 1024}
    devices: ["/dev/fuse:/dev/fuse"]
    logging: {driver: json-file, options: {max-size: 10m}}
    mem_limit: 512m
    cpus: 1.5
    shm_size: 256m
    stop_signal: SIGINT
    pid: host
    expose: ["9000"]
    pull_policy: always
    platform: linux/amd64
`,
			fragment: []string{"hostname: svc-host", "dns:", "security_opt:", "sysctls:", "devices:", "logging:", "mem_limit: 512m",
				"cpus: 1.5", "shm_size: 256m", "stop_signal: SIGINT", "pid: host", "expose:", "pull_policy: always", "platform: linux/amd64"},
		},
		{
			name:     "dollars in fragment values stay literal",
			service:  "    working_dir: /srv/$$dir\n",
			fragment: []string{"working_dir: /srv/$$dir"},
		},
		{
			name:     "tmpfs mounts join the tmpfs list",
			service:  "    tmpfs: /run\n    volumes:\n      - type: tmpfs\n        target: /cache\n        tmpfs: {size: 1048576}\n",
			fragment: []string{"tmpfs:\n  - /run\n  - /cache:size=1048576"},
		},
		{
			name:     "networks and aliases",
			service:  "    networks:\n      front:\n        aliases: [api, web]\n",
			top:      "networks:\n  front: {}\n",
			warnings: [][]string{{"services.svc.networks", "front", "aliases api, web"}, {"networks: front not carried over"}},
			notFrag:  []string{"networks"},
		},
		{
			name:     "secrets and configs",
			service:  "    secrets: [db_pw]\n    configs: [{source: conf, target: /etc/conf}]\n",
			top:      "secrets:\n  db_pw: {file: ./pw}\nconfigs:\n  conf: {file: ./conf}\n",
			warnings: [][]string{{"services.svc.secrets", "db_pw"}, {"services.svc.configs", "conf"}, {"secrets: db_pw"}, {"configs: conf"}},
		},
		{
			name:     "container_name, scale and replicas",
			service:  "    container_name: my-svc\n    deploy: {replicas: 1, resources: {limits: {cpus: \"0.5\"}}}\n",
			warnings: [][]string{{"services.svc.container_name", "devarch-app-svc"}},
			fragment: []string{"deploy:\n  resources:"},
			notFrag:  []string{"replicas", "container_name"},
		},
		{
			name:     "top-level volume options",
			service:  "    volumes: [data:/data, ext:/ext]\n",
			top:      "volumes:\n  data:\n    driver_opts: {type: nfs, o: addr=10.0.0.1}\n  ext:\n    external: true\n",
			warnings: [][]string{{"volumes.data.driver_opts", "not carried over"}, {"volumes.ext.external", "new, empty volume"}},
		},
		{
			name:     "volume options",
			service:  "    volumes: [\"./src:/src:z\"]\n",
			warnings: [][]string{{"services.svc.volumes[0]", "selinux"}},
		},
		{
			name:     "build and healthcheck start_interval",
			service:  "    build: .\n    healthcheck: {test: [CMD, \"true\"], start_interval: 1s}\n",
			warnings: [][]string{{"services.svc.build", "not carried over"}, {"services.svc.healthcheck.start_interval"}},
		},
		{
			name:     "network_mode host is imported disabled",
			service:  "    network_mode: host\n",
			warnings: [][]string{{"services.svc.network_mode", "host", "disabled", "--enable"}},
			notFrag:  []string{"network_mode"},
			disabled: true,
		},
		{
			name:     "network_mode bridge is the stack network",
			service:  "    network_mode: bridge\n",
			warnings: [][]string{{"services.svc.network_mode", "bridge", "not carried over"}},
		},
		{
			name:     "inactive profile is imported disabled",
			service:  "    profiles: [debug]\n",
			warnings: [][]string{{"services.svc.profiles", "debug", "disabled", "--profile debug"}},
			disabled: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := "services:\n  svc:\n    image: ghcr.io/acme/svc:1\n" + tc.service + tc.top
			ci, err := fromCompose(t, file, nil)
			if err != nil {
				t.Fatal(err)
			}
			inst, _ := ci.Stack.Instance("svc")
			for _, f := range tc.fragment {
				if !strings.Contains(inst.Overrides.Compose, f) {
					t.Errorf("fragment lacks %q:\n%s", f, inst.Overrides.Compose)
				}
			}
			for _, f := range tc.notFrag {
				if strings.Contains(inst.Overrides.Compose, f) {
					t.Errorf("fragment should not hold %q:\n%s", f, inst.Overrides.Compose)
				}
			}
			for _, w := range tc.warnings {
				if !hasWarning(ci.Warnings, w...) {
					t.Errorf("warnings %q lack one with %q", ci.Warnings, w)
				}
			}
			if len(tc.warnings) == 0 && len(ci.Warnings) > 0 {
				t.Errorf("warnings = %q; want none", ci.Warnings)
			}
			if inst.Enabled == tc.disabled {
				t.Errorf("enabled = %v, want %v", inst.Enabled, !tc.disabled)
			}
			out := generated(t, ci)
			for _, f := range []string{"cap_add", "privileged: true", "working_dir: /app", "stop_grace_period: 30s"} {
				if strings.Contains(inst.Overrides.Compose, f) && !strings.Contains(out, f) {
					t.Errorf("generated project lacks %q:\n%s", f, out)
				}
			}
		})
	}
}

func TestComposeProfiles(t *testing.T) {
	const file = `services:
  web:
    image: ghcr.io/acme/web:1
    depends_on:
      debug: {condition: service_started, required: false}
  debug:
    image: ghcr.io/acme/debug:1
    ports: ["9229"]
    profiles: [debug, dev]
`
	tests := []struct {
		name      string
		file      string
		profiles  []string
		enabled   bool
		warnings  [][]string
		wantWires int
		wantErr   []string
	}{
		{name: "inactive", file: file, warnings: [][]string{{"services.debug.profiles", "debug or dev", "disabled"}, {"services.web.depends_on.debug", "dropped"}}},
		{name: "active", file: file, profiles: []string{"dev"}, enabled: true, wantWires: 1},
		{name: "all", file: file, profiles: []string{"*"}, enabled: true, wantWires: 1},
		{name: "required dependency on an inactive profile", file: strings.Replace(file, "required: false", "required: true", 1),
			wantErr: []string{"services.web.depends_on.debug (line 5)", "only started with a profile"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, nil, tc.profiles...)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d, _ := ci.Stack.Instance("debug")
			if d.Enabled != tc.enabled {
				t.Errorf("debug enabled = %v, want %v", d.Enabled, tc.enabled)
			}
			if len(ci.Stack.Wires) != tc.wantWires {
				t.Errorf("wires = %+v", ci.Stack.Wires)
			}
			for _, w := range tc.warnings {
				if !hasWarning(ci.Warnings, w...) {
					t.Errorf("warnings %q lack one with %q", ci.Warnings, w)
				}
			}
			if tc.warnings == nil && len(ci.Warnings) > 0 {
				t.Errorf("warnings = %q; want none", ci.Warnings)
			}
		})
	}
}

// TestComposeImageTag: a catalog image keeps the compose file's tag; no
// tag means latest, never the catalog's tag.
func TestComposeImageTag(t *testing.T) {
	tests := []struct {
		image, template, tag, templateImage string
	}{
		{image: "redis", template: "redis", tag: "latest"},
		{image: "redis:latest", template: "redis", tag: "latest"},
		{image: "redis:7", template: "redis", tag: "7"},
		{image: "redis:7-alpine", template: "redis"},
		{image: "docker.io/library/redis:7-alpine", template: "redis"},
		{image: "redis@sha256:" + strings.Repeat("a", 64), template: "redis", tag: "sha256:" + strings.Repeat("a", 64)},
		{image: "redis:7@sha256:" + strings.Repeat("b", 64), template: "redis", tag: "sha256:" + strings.Repeat("b", 64)},
		{image: "ghcr.io/acme/app", template: "app-svc", templateImage: "ghcr.io/acme/app:latest"},
		{image: "acme/app:2", template: "app-svc", templateImage: "docker.io/acme/app:2"},
	}
	for _, tc := range tests {
		t.Run(tc.image, func(t *testing.T) {
			ci, err := fromCompose(t, "services:\n  svc:\n    image: "+tc.image+"\n", nil)
			if err != nil {
				t.Fatal(err)
			}
			inst := ci.Stack.Instances[0]
			if inst.Template != tc.template {
				t.Errorf("template = %s, want %s", inst.Template, tc.template)
			}
			got := ""
			if inst.Overrides.Tag != nil {
				got = *inst.Overrides.Tag
			}
			if got != tc.tag {
				t.Errorf("tag override = %q, want %q", got, tc.tag)
			}
			if tc.templateImage != "" && (len(ci.Templates) != 1 || ci.Templates[0].Image != tc.templateImage) {
				t.Errorf("templates = %+v; want image %s", ci.Templates, tc.templateImage)
			}
			out := generated(t, ci)
			want := tc.templateImage
			if tc.template == "redis" {
				want = "docker.io/library/redis:" + cmpOr(tc.tag, "7-alpine")
				if strings.HasPrefix(tc.tag, "sha256:") {
					want = "docker.io/library/redis@" + tc.tag
				}
			}
			if !strings.Contains(out, "image: "+want+"\n") {
				t.Errorf("generated image is not %s:\n%s", want, out)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestComposeErrorPaths: problems found by devarch's validation are
// reported at the compose service and key, with the compose file's line.
func TestComposeErrorPaths(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
		not  []string
	}{
		{
			name: "port clash between new templates",
			file: "services:\n  one:\n    image: ghcr.io/acme/one:1\n    ports:\n      - \"8080:80\"\n  two:\n    image: ghcr.io/acme/two:1\n    ports:\n      - \"9090:90\"\n      - \"8080:80\"\n",
			want: []string{"services.two.ports[1] (line 10)", "also published by service one"},
			not:  []string{"instances.", "templates."},
		},
		{
			name: "port clash with a built-in's override",
			file: "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  api:\n    image: ghcr.io/acme/api:1\n    ports: [\"8080:8080\"]\n",
			want: []string{"services.web.ports[0] (line 4)", "service api"},
			not:  []string{"instances."},
		},
		{
			name: "port range",
			file: "services:\n  one:\n    image: ghcr.io/acme/one:1\n    ports:\n      - \"8000-8001:8000\"\n",
			want: []string{"services.one.ports[0] (line 5)", "ranges are not supported"},
		},
		{
			name: "service name that is no instance name",
			file: "services:\n  Web_1:\n    image: ghcr.io/acme/one:1\n",
			want: []string{"services.Web_1 (line 2)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fromCompose(t, tc.file, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q should not mention %q", err, w)
				}
			}
		})
	}
}

// TestComposeDependencyWarnings: only what the file writes on depends_on is
// reported; the dependencies links, volumes_from and network_mode imply
// are kept as wires without a warning.
func TestComposeDependencyWarnings(t *testing.T) {
	const base = "services:\n  b:\n    image: ghcr.io/x/b:1\n    ports: [\"80\"]\n  a:\n    image: ghcr.io/x/a:1\n"
	tests := []struct {
		name    string
		a       string
		want    [][]string
		notWarn string
	}{
		{name: "links and volumes_from", a: "    links: [b]\n    volumes_from: [b]\n", notWarn: "depends_on"},
		{name: "restart written", a: "    depends_on: {b: {condition: service_started, restart: true}}\n",
			want: [][]string{{"services.a.depends_on.b.restart", "not carried over"}}},
		{name: "completed successfully", a: "    depends_on: {b: {condition: service_completed_successfully}}\n",
			want: [][]string{{"services.a.depends_on.b.condition", "service_completed_successfully"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, base+tc.a, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ci.Stack.Wires) != 1 || ci.Stack.Wires[0] != (core.Wire{Consumer: "a", Import: "b", Provider: "b"}) {
				t.Errorf("wires = %+v", ci.Stack.Wires)
			}
			for _, w := range tc.want {
				if !hasWarning(ci.Warnings, w...) {
					t.Errorf("warnings %q lack one with %q", ci.Warnings, w)
				}
			}
			if tc.notWarn != "" && hasWarning(ci.Warnings, tc.notWarn) {
				t.Errorf("warnings %q should not mention %q", ci.Warnings, tc.notWarn)
			}
			generated(t, ci)
		})
	}
}
