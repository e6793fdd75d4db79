package devfile

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
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
			name:     "healthcheck start_interval",
			file:     "carryover-build-healthcheck.yml",
			warnings: [][]string{{"services.svc.healthcheck.start_interval"}},
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
		name     string
		file     string // in testdata/compose
		profiles []string
		enabled  bool
		warnings [][]string
		wantErr  []string
	}{
		{name: "inactive", file: "profiles.yml", warnings: [][]string{{"services.debug.profiles", "debug or dev", "disabled"}, {"services.web.depends_on.debug", "imported disabled"}}},
		{name: "active", file: "profiles.yml", profiles: []string{"dev"}, enabled: true},
		{name: "all", file: "profiles.yml", profiles: []string{"*"}, enabled: true},
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
			// The dependency is kept either way; it applies while debug runs.
			web, _ := ci.Stack.Instance("web")
			if _, ok := web.Overrides.DependsOn["debug"]; !ok || len(ci.Stack.Wires) != 0 {
				t.Errorf("web depends_on = %+v, wires %+v; want the dependency kept and no wire", web.Overrides.DependsOn, ci.Stack.Wires)
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

// TestComposeImageTag: every service runs the image the file names (no tag
// means latest, never the catalog's tag), from a template of its own; a
// catalog image only brings the catalog's contracts.
func TestComposeImageTag(t *testing.T) {
	tests := []struct {
		image, want string
		exports     bool
	}{
		{image: "redis", want: "docker.io/library/redis:latest", exports: true},
		{image: "redis:7-alpine", want: "docker.io/library/redis:7-alpine", exports: true},
		{image: "docker.io/library/redis:7-alpine", want: "docker.io/library/redis:7-alpine", exports: true},
		{image: "redis@sha256:" + strings.Repeat("a", 64), want: "docker.io/library/redis@sha256:" + strings.Repeat("a", 64), exports: true},
		{image: "redis:7@sha256:" + strings.Repeat("b", 64), want: "docker.io/library/redis:7@sha256:" + strings.Repeat("b", 64), exports: true},
		{image: "ghcr.io/acme/app", want: "ghcr.io/acme/app:latest"},
		{image: "acme/app:2", want: "docker.io/acme/app:2"},
	}
	for _, tc := range tests {
		t.Run(tc.image, func(t *testing.T) {
			ci, err := fromComposeData(t, "services:\n  svc:\n    image: "+tc.image+"\n", nil)
			if err != nil {
				t.Fatal(err)
			}
			inst := ci.Stack.Instances[0]
			if inst.Template != "app-svc" || inst.Overrides.Set() != nil {
				t.Errorf("instance = %+v; want template app-svc and no overrides", inst)
			}
			tpl := ci.Templates[0]
			if tpl.Image != tc.want || (len(tpl.Exports) > 0) != tc.exports {
				t.Errorf("template = image %s, exports %+v; want %s (catalog exports: %v)", tpl.Image, tpl.Exports, tc.want, tc.exports)
			}
			redis := catalog.Builtin()["redis"]
			if tpl.Restart != "" || tpl.Healthcheck != nil || tpl.Ports != nil || tpl.Env != nil || tpl.Volumes != nil || tpl.Command != nil {
				t.Errorf("the catalog's configuration came in: %+v (catalog redis: %+v)", tpl, redis)
			}
			if out := generated(t, ci); !strings.Contains(out, "image: "+tc.want+"\n") {
				t.Errorf("generated image is not %s:\n%s", tc.want, out)
			}
		})
	}
}

// TestComposeDependsOnKept: depends_on is kept as written, conditions,
// restart and required included, whether or not the dependency publishes
// a port, and without wiring (so no env is injected); links and
// volumes_from imply a dependency, as in compose.
func TestComposeDependsOnKept(t *testing.T) {
	tests := []struct {
		name string
		file string // in testdata/compose: service b, service a depending on it
		want core.DependsOn
	}{
		{name: "links and volumes_from", file: "depends-links.yml", want: core.DependsOn{Restart: true}},
		{name: "restart written", file: "depends-restart.yml", want: core.DependsOn{Restart: true}},
		{name: "completed successfully", file: "depends-completed.yml", want: core.DependsOn{Condition: core.ConditionCompleted}},
		{name: "no port, healthy, not required", file: "depends-no-port.yml", want: core.DependsOn{Condition: core.ConditionHealthy, Optional: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := fromCompose(t, tc.file, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := ci.Stack.Instance("a")
			if got := a.Overrides.DependsOn; len(got) != 1 || got["b"] != tc.want {
				t.Errorf("depends_on = %+v, want b: %+v", got, tc.want)
			}
			if len(ci.Stack.Wires) != 0 || hasWarning(ci.Warnings, "depends_on") {
				t.Errorf("wires %+v, warnings %q; want none", ci.Stack.Wires, ci.Warnings)
			}
			out := generated(t, ci)
			if !strings.Contains(out, "depends_on:\n      b:\n") {
				t.Errorf("generated project lacks the dependency:\n%s", out)
			}
		})
	}
}
