//go:build e2e

package tests

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// TestE2EPluginUnderDockerCLI installs the built binary as docker-devarch in
// a directory the docker CLI is pointed at (cliPluginsExtraDirs in a
// DOCKER_CONFIG of its own) and runs it through the real docker CLI: the
// handshake, `docker --help` and `docker info` listing it, `docker devarch
// --help`, commands reaching the same daemon as the standalone CLI, a plan
// naming the docker runtime, and an unknown command failing.
func TestE2EPluginUnderDockerCLI(t *testing.T) {
	e := requireEngine(t)
	if e.Kind() != drt.KindDocker {
		noEngine(t, errors.New("the docker CLI plugin test needs Docker, and the engine that answered is Podman"))
	}
	pluginDir, configDir := t.TempDir(), t.TempDir()
	plugin := filepath.Join(pluginDir, "docker-devarch")
	e2pInstallBinary(t, plugin)
	cfg, _ := json.Marshal(map[string]any{"cliPluginsExtraDirs": []string{pluginDir}})
	if err := os.WriteFile(filepath.Join(configDir, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHome(t)
	env := []string{"DOCKER_CONFIG=" + configDir, "DEVARCH_HOME=" + h.Dir}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	docker := func(args ...string) string {
		t.Helper()
		stdout, stderr, err := e.CLI(ctx, env, args...)
		if err != nil {
			t.Fatalf("docker %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
		}
		return stdout
	}

	// The handshake the docker CLI runs before listing or running a plugin.
	meta, err := exec.Command(plugin, "docker-cli-plugin-metadata").Output()
	if err != nil {
		t.Fatalf("docker-devarch docker-cli-plugin-metadata: %v", err)
	}
	var md struct{ SchemaVersion, Vendor, Version, ShortDescription string }
	e2rDecode(t, "plugin metadata", string(meta), &md)
	if md.SchemaVersion != "0.1.0" || md.Vendor != "devarch" || md.Version != api.Version || md.ShortDescription == "" {
		t.Errorf("plugin metadata = %+v; want schema 0.1.0, vendor devarch, version %s and a description", md, api.Version)
	}

	// The docker CLI lists the plugin, in its help and in `docker info`.
	if help := docker("--help"); !regexp.MustCompile(`(?m)^\s+devarch\*?\s+` + regexp.QuoteMeta(md.ShortDescription)).MatchString(help) {
		t.Errorf("docker --help does not list the devarch plugin:\n%s", help)
	}
	var plugins []struct{ Name, Path, Vendor, Version, Err string }
	e2rDecode(t, "docker info plugins", docker("info", "--format", "{{json .ClientInfo.Plugins}}"), &plugins)
	found := false
	for _, p := range plugins {
		if p.Name == "devarch" {
			found = true
			if p.Path != plugin || p.Vendor != "devarch" || p.Version != api.Version || p.Err != "" {
				t.Errorf("docker info lists devarch as %+v; want path %s, vendor devarch, version %s, no error", p, plugin, api.Version)
			}
		}
	}
	if !found {
		t.Errorf("docker info does not list the devarch plugin: %+v", plugins)
	}

	// Its own help speaks as `docker devarch` and lists the commands.
	help := docker("devarch", "--help")
	if !strings.Contains(help, "docker devarch [command]") {
		t.Errorf("docker devarch --help does not show `docker devarch [command]`:\n%s", help)
	}
	for _, cmd := range []string{"apply", "destroy", "plan", "stack", "instance", "template", "wire", "jobs", "lock", "unlock", "ps", "logs", "export", "import", "daemon"} {
		if !regexp.MustCompile(`(?m)^\s+` + cmd + `\s+\S`).MatchString(help) {
			t.Errorf("docker devarch --help does not list %q", cmd)
		}
	}

	// The plugin reaches the daemon the standalone CLI uses.
	const stack = "e2rplug"
	h.ok("stack", "create", stack, "--description", "made by the standalone CLI")
	h.ok("instance", "add", stack, "cache", "--template", "redis")
	if out := docker("devarch", "stack", "ls"); !regexp.MustCompile(`(?m)^` + stack + `\s+1\s`).MatchString(out) {
		t.Errorf("docker devarch stack ls does not show %s with 1 instance:\n%s", stack, out)
	}
	var st api.Status
	e2rDecode(t, "docker devarch daemon status", docker("devarch", "daemon", "status", "--json"), &st)
	if pid := e2rDaemonPID(h); st.PID != pid || st.Home != h.Dir {
		t.Errorf("docker devarch talks to daemon pid %d in %s; the standalone CLI to pid %d in %s", st.PID, st.Home, pid, h.Dir)
	}

	// Run by the docker CLI, devarch drives docker compose.
	var p plan.View
	e2rDecode(t, "docker devarch plan", docker("devarch", "plan", stack, "--json"), &p)
	if !strings.HasPrefix(p.Runtime, "docker compose v2") || p.Summary.Create != 1 {
		t.Errorf("plan through the plugin: runtime %q, summary %+v; want docker compose v2 creating 1", p.Runtime, p.Summary)
	}
	if out := docker("devarch", "plan", stack); !strings.Contains(out, "runtime: docker compose v2") ||
		!strings.Contains(out, "devarch-"+stack+"-cache") {
		t.Errorf("plan through the plugin:\n%s", out)
	}

	// A mistyped command fails instead of printing help and succeeding.
	for _, args := range [][]string{{"devarch", "nosuch"}, {"devarch", "stack", "nosuch"}} {
		stdout, stderr, err := e.CLI(ctx, env, args...)
		if err == nil || !strings.Contains(stderr, `unknown command "nosuch"`) {
			t.Errorf("docker %s: err %v; want a failure naming the unknown command\nstdout:\n%s\nstderr:\n%s",
				strings.Join(args, " "), err, stdout, stderr)
		}
	}
}

// e2pInstallBinary copies the devarch binary the tests built to path,
// executable.
func e2pInstallBinary(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(devarchBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
