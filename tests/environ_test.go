package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDaemonAndEngineCommandsKeepNoInheritedSecret starts a daemon from a
// CLI whose environment holds a passphrase and an arbitrary variable, and
// has the daemon run docker, here a script that records its environment:
// neither the daemon (/proc/PID/environ) nor the engine command has them,
// and both keep what reaches the engine.
func TestDaemonAndEngineCommandsKeepNoInheritedSecret(t *testing.T) {
	h := newHome(t)
	bin, dump := fakeDocker(t, h)
	const secret, pass = "secret-x-7d1f", "passphrase-2b9c"
	h.env = append(h.env, "SECRET_X="+secret, "DEVARCH_PASSPHRASE="+pass, "DOCKER_HOST=unix:///nonexistent/docker.sock")
	h.ok("stack", "create", "envcheck")
	h.ok("ps", "envcheck", "--runtime", "docker")

	pidText, err := os.ReadFile(filepath.Join(h.Dir, "daemon.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		t.Fatal(err)
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatalf("read the daemon's environment: %v", err)
	}
	engineEnv, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the daemon ran no docker command: %v", err)
	}
	for name, got := range map[string][]byte{"daemon": environ, "engine command": engineEnv} {
		for _, leaked := range []string{secret, pass, "SECRET_X=", "DEVARCH_PASSPHRASE="} {
			if bytes.Contains(got, []byte(leaked)) {
				t.Errorf("the %s's environment holds %q", name, leaked)
			}
		}
		if !bytes.Contains(got, []byte("DOCKER_HOST=unix:///nonexistent/docker.sock")) {
			t.Errorf("the %s's environment lost DOCKER_HOST", name)
		}
		if !bytes.Contains(got, []byte("PATH="+bin+":")) {
			t.Errorf("the %s's environment lost PATH", name)
		}
	}
}

// fakeDocker puts a docker first on h's PATH that prints nothing, exits 0
// and writes its environment to dump: enough for plan and ps of a stack
// that runs nothing, without an engine.
func fakeDocker(t *testing.T, h *home) (bin, dump string) {
	t.Helper()
	bin = t.TempDir()
	dump = filepath.Join(t.TempDir(), "docker-env")
	script := "#!/bin/sh\nenv >" + dump + "\nexit 0\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range h.env {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	h.env = append(env, "PATH="+bin+":"+os.Getenv("PATH"))
	return bin, dump
}
