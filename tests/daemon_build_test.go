package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// buildWithID builds the devarch binary with the build id id set through
// -ldflags, as `make build` can, into dir.
func buildWithID(t *testing.T, dir, id string) string {
	t.Helper()
	bin := filepath.Join(dir, "devarch-"+id)
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/devarch-dev/devarch/daemon/api.Build="+id, "./plugin")
	_, file, _, _ := goruntime.Caller(0)
	cmd.Dir = filepath.Dir(filepath.Dir(file))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build devarch with build id %s: %v\n%s", id, err, out)
	}
	return bin
}

// runBin runs bin with args in h.
func (h *home) runBin(bin string, args ...string) result {
	h.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = h.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("run %s: %v", bin, err)
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

func (h *home) statusOf(bin string) api.Status {
	h.t.Helper()
	r := h.runBin(bin, "daemon", "status", "--json")
	if r.Code != 0 {
		h.t.Fatalf("daemon status: %s", r)
	}
	var st api.Status
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil {
		h.t.Fatalf("decode status: %v\n%s", err, r.Stdout)
	}
	return st
}

// A CLI of another build than the running (idle) daemon restarts it, says
// so on stderr, and then talks to a daemon of its own build; a CLI of the
// same build uses the daemon as it is.
func TestCLIRestartsIdleDaemonOfAnotherBuild(t *testing.T) {
	h := newHome(t)
	dir := t.TempDir()
	oldBin, newBin := buildWithID(t, dir, "buildold"), buildWithID(t, dir, "buildnew")
	t.Cleanup(func() { h.runBin(newBin, "daemon", "stop") })

	if r := h.runBin(oldBin, "stack", "create", "bidshop"); r.Code != 0 {
		t.Fatalf("stack create with the old build: %s", r)
	}
	before := h.statusOf(oldBin)
	if before.BuildID != "buildold" {
		t.Fatalf("status build id = %q; want buildold", before.BuildID)
	}

	r := h.runBin(newBin, "stack", "ls")
	if r.Code != 0 || !strings.Contains(r.Stdout, "bidshop") {
		t.Fatalf("stack ls with the new build: %s", r)
	}
	if !strings.Contains(r.Stderr, "restarting the daemon") || !strings.Contains(r.Stderr, "buildold") || !strings.Contains(r.Stderr, "buildnew") {
		t.Errorf("stderr = %q; want it to say the daemon of buildold is restarted for buildnew", r.Stderr)
	}
	after := h.statusOf(newBin)
	if after.BuildID != "buildnew" || after.PID == before.PID {
		t.Errorf("after the restart: build %q pid %d; want buildnew in a new process (old pid %d)", after.BuildID, after.PID, before.PID)
	}
	if r := h.runBin(newBin, "stack", "ls"); r.Code != 0 || strings.Contains(r.Stderr, "restarting") {
		t.Errorf("same build again: %s; want no restart", r)
	}
	if st := h.statusOf(newBin); st.PID != after.PID {
		t.Errorf("daemon pid %d → %d with the same build", after.PID, st.PID)
	}
}
