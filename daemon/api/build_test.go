package api

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without an -ldflags build id, BuildID names the executable's content:
// the same for every call, and it reads the Go build id the toolchain
// stored in the binary.
func TestBuildIDFromExecutable(t *testing.T) {
	if Build != "" {
		t.Skip("build id set with -ldflags")
	}
	id := BuildID()
	if id == "" || strings.Contains(id, "unknown") {
		t.Fatalf("BuildID = %q; want a hash of the executable", id)
	}
	if again := BuildID(); again != id {
		t.Errorf("BuildID changed between calls: %q then %q", id, again)
	}
	if computeBuildID() != id {
		t.Errorf("BuildID is not derived deterministically from the executable")
	}
	if goBuildID("/proc/self/exe") == nil {
		t.Error("no Go build id found in the test binary")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err == nil && strings.TrimSpace(string(out)) != string(goBuildID("/proc/self/exe")) {
		t.Errorf("Go build id read = %q; go tool buildid says %q", goBuildID("/proc/self/exe"), out)
	}
}
