package devfile

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestComposeCarriesOverOrWarns: every service key and top-level setting is
// either carried over (as a devarch field or in the compose fragment) or
// named in a warning.
func TestComposeCarriesOverOrWarns(t *testing.T) {
	tests := []struct {
		name     string
		file     string // in testdata/compose: service "svc" (image ghcr.io/acme/svc:1) with the keys under test
		fragment []string
		notFrag  []string
		warnings [][]string
		disabled bool
	}{
		{
			name: "fragment keys",
			file: "carryover-fragment-keys.yml",
			fragment: []string{"cap_add:\n  - NET_ADMIN", "privileged: true", "tmpfs:\n  - /run", "extra_hosts:\n  - db.local:10.0.0.2",
				"working_dir: /app", "stop_grace_period: 30s", "nofile:", "init: true", "read_only: true", "x-note: kept"},
			notFrag: []string{"command", "image"},
		},
		{
			name: "more fragment keys",
			file: "carryover-more-fragment-keys.yml",
			fragment: []string{"hostname: svc-host", "dns:", "security_opt:", "sysctls:", "devices:", "logging:", "mem_limit: 512m",
				"cpus: 1.5", "shm_size: 256m", "stop_signal: SIGINT", "pid: host", "expose:", "pull_policy: always", "platform: linux/amd64"},
		},
		{
			name:     "dollars in fragment values stay literal",
			file:     "carryover-dollars.yml",
			fragment: []string{"working_dir: /srv/$$dir"},
		},
		{
			name:     "tmpfs mounts join the tmpfs list",
			file:     "carryover-tmpfs.yml",
			fragment: []string{"tmpfs:\n  - /run\n  - /cache:size=1048576"},
		},
		{
			name:     "networks and aliases",
			file:     "carryover-networks.yml",
			warnings: [][]string{{"services.svc.networks", "front", "aliases api, web"}, {"networks: front not carried over"}},
			notFrag:  []string{"networks"},
		},
		{
			name:     "secrets and configs",
			file:     "carryover-secrets-configs.yml",
			warnings: [][]string{{"services.svc.secrets", "db_pw"}, {"services.svc.configs", "conf"}, {"secrets: db_pw"}, {"configs: conf"}},
		},
		{
			name:     "container_name, scale and replicas",
			file:     "carryover-container-name-replicas.yml",
			warnings: [][]string{{"services.svc.container_name", "devarch-app-svc"}},
			fragment: []string{"deploy:\n  resources:"},
			notFrag:  []string{"replicas", "container_name"},
		},
		{
			name:     "top-level volume options",
			file:     "carryover-top-level-volumes.yml",
			warnings: [][]string{{"volumes.data.driver_opts", "not carried over"}, {"volumes.ext.external", "new, empty volume"}},
		},
		{
			name:     "volume options",
			file:     "carryover-volume-options.yml",
			warnings: [][]string{{"services.svc.volumes[0]", "selinux"}},
		},
		{
			name:     "build and healthcheck start_interval",
			file:     "carryover-build-healthcheck.yml",
			warnings: [][]string{{"services.svc.build", "not carried over"}, {"services.svc.healthcheck.start_interval"}},
		},
		{
			name:     "network_mode host is imported disabled",
			file:     "carryover-network-mode-host.yml",
			warnings: [][]string{{"services.svc.network_mode", "host", "disabled", "--enable"}},
			notFrag:  []string{"network_mode"},
			disabled: true,
		},
		{
			name:     "network_mode bridge is the stack network",
			file:     "carryover-network-mode-bridge.yml",
			warnings: [][]string{{"services.svc.network_mode", "bridge", "not carried over"}},
		},
		{
			name:     "inactive profile is imported disabled",
			file:     "carryover-inactive-profile.yml",
			warnings: [][]string{{"services.svc.profiles", "debug", "disabled", "--profile debug"}},
			disabled: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, nil)
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
	tests := []struct {
		name      string
		file      string // in testdata/compose
		profiles  []string
		enabled   bool
		warnings  [][]string
		wantWires int
		wantErr   []string
	}{
		{name: "inactive", file: "profiles.yml", warnings: [][]string{{"services.debug.profiles", "debug or dev", "disabled"}, {"services.web.depends_on.debug", "dropped"}}},
		{name: "active", file: "profiles.yml", profiles: []string{"dev"}, enabled: true, wantWires: 1},
		{name: "all", file: "profiles.yml", profiles: []string{"*"}, enabled: true, wantWires: 1},
		{name: "required dependency on an inactive profile", file: "profiles-required.yml",
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
			ci, err := fromComposeData(t, "services:\n  svc:\n    image: "+tc.image+"\n", nil)
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

// TestComposeDependencyWarnings: only what the file writes on depends_on is
// reported; the dependencies links, volumes_from and network_mode imply
// are kept as wires without a warning.
func TestComposeDependencyWarnings(t *testing.T) {
	tests := []struct {
		name    string
		file    string // in testdata/compose: service b with a port, service a depending on it
		want    [][]string
		notWarn string
	}{
		{name: "links and volumes_from", file: "depends-links.yml", notWarn: "depends_on"},
		{name: "restart written", file: "depends-restart.yml",
			want: [][]string{{"services.a.depends_on.b.restart", "not carried over"}}},
		{name: "completed successfully", file: "depends-completed.yml",
			want: [][]string{{"services.a.depends_on.b.condition", "service_completed_successfully"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, nil)
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
