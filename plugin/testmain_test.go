package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain refuses to serve as a daemon. A test whose command reaches the
// daemon starts os.Executable() as `daemon run`; in a test that is this
// binary, which would run every test again, each starting more daemons
// (a process storm that only ends when the machine runs out of processes).
// Such a test fails instead, and should set a fake ensureDaemon.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "daemon" {
		fmt.Fprintln(os.Stderr, "the plugin test binary starts no daemon: a test reached for one; give it a fake ensureDaemon")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func TestTestBinaryIsNoDaemon(t *testing.T) {
	if os.Getenv("DEVARCH_TESTMAIN_PROBE") != "" {
		t.Skip("inside the probe")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "daemon", "run", "--home", t.TempDir())
	cmd.Env = append(os.Environ(), "DEVARCH_TESTMAIN_PROBE=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "starts no daemon") {
		t.Fatalf("the test binary as `daemon run`: err %v, output:\n%.2000s", err, out)
	}
}
