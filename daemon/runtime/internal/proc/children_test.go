//go:build linux

package proc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sleeper writes a shell script to DIR/docker that starts a sleeping
// grandchild in its own process group (as docker compose runs as a plugin
// process of the docker CLI), writes "PID GRANDCHILD_PID" to DIR/pids and
// its environment to DIR/env, and waits; it returns the script's command
// as the runtime makes it for `docker compose up`.
func sleeper(t *testing.T, ctx context.Context, dir string) *exec.Cmd {
	t.Helper()
	script := filepath.Join(dir, "docker")
	body := fmt.Sprintf(`#!/bin/sh
sleep 300 >/dev/null 2>&1 &
env >%[1]s/env
echo $$ $! >%[1]s/pids.tmp && mv %[1]s/pids.tmp %[1]s/pids
wait
`, dir)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return Command(ctx, Environ(nil), script, "compose", "up")
}

// waitPids waits for the script of sleeper to have written its pids.
func waitPids(t *testing.T, dir string) (child, grandchild int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "pids")); err == nil {
			if _, err := fmt.Sscan(string(b), &child, &grandchild); err == nil {
				return child, grandchild
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the engine command did not start")
	return 0, 0
}

// alive reports whether pid runs (exists and is no zombie).
func alive(pid int) bool {
	_, err := procStartTime(pid)
	return err == nil
}

// waitDead fails the test unless pid is gone within d.
func waitDead(t *testing.T, what string, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still runs after %s", what, pid, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trackIn records children under home for the test, restoring the
// package's state after it.
func trackIn(t *testing.T, home string) {
	t.Helper()
	TrackChildren(home, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() {
		records.mu.Lock()
		records.dir = ""
		records.mu.Unlock()
	})
}

func TestEnvironKeepsOnlyTheAllowedEnvironment(t *testing.T) {
	t.Setenv("SECRET_X", "secret-x-value")
	t.Setenv("DEVARCH_PASSPHRASE", "pass-value")
	t.Setenv("COMPOSE_FILE", "/elsewhere.yml")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/4242")
	t.Setenv("DOCKER_CONTEXT", "from-the-environment")
	env := map[string]string{}
	for _, kv := range Environ(map[string]string{"DOCKER_HOST": "unix:///podman.sock", "B": "2"}, "DOCKER_CONTEXT") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Errorf("%s appears twice", k)
		}
		env[k] = v
	}
	for _, k := range []string{"SECRET_X", "DEVARCH_PASSPHRASE", "COMPOSE_FILE", "DOCKER_CONTEXT"} {
		if v, ok := env[k]; ok {
			t.Errorf("the environment has %s=%s", k, v)
		}
	}
	for k, want := range map[string]string{"DOCKER_HOST": "unix:///podman.sock", "B": "2", "XDG_RUNTIME_DIR": "/run/user/4242", "PATH": os.Getenv("PATH")} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
}

func TestCancelEndsTheCommandsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	home := t.TempDir()
	trackIn(t, home)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := sleeper(t, ctx, dir)
	done := make(chan error, 1)
	go func() { _, err := Stream(ctx, cmd, nil, nil); done <- CommandError(ctx, cmd, err, "") }()
	child, grandchild := waitPids(t, dir)
	if pgid, _ := syscall.Getpgid(child); pgid != child {
		t.Errorf("the engine command's process group is %d, want its own (%d)", pgid, child)
	}
	if pgid, _ := syscall.Getpgid(grandchild); pgid != child {
		t.Errorf("the grandchild's process group is %d, want the command's (%d)", pgid, child)
	}
	rec := filepath.Join(home, ChildrenDir, strconv.Itoa(child))
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatalf("no record of the running command: %v", err)
	}
	r, err := decodeRecord(child, b)
	if err != nil || r.PGID != child || r.Boot == "" || !strings.Contains(r.Command, "compose") {
		t.Errorf("record = %+v, %v; want pgid %d, the boot id and the command", r, err, child)
	}
	if st, _ := procStartTime(child); r.Start != st {
		t.Errorf("recorded start %d, want %d", r.Start, st)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Stream = %v, want context.Canceled", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Stream did not return after cancellation")
	}
	waitDead(t, "the engine command", child, 5*time.Second)
	waitDead(t, "the engine command's own child", grandchild, 5*time.Second)
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Errorf("the record of the ended command stays: %v", err)
	}
}

// TestCancelledOutputEndsTheProcessGroup: a command run through Output
// (not streamed) that is cancelled while it runs also has its whole
// process group killed, the shell's background child included.
func TestCancelledOutputEndsTheProcessGroup(t *testing.T) {
	dir := t.TempDir()
	trackIn(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cmd := sleeper(t, ctx, dir)
	done := make(chan error, 1)
	go func() { _, err := Output(ctx, cmd, nil); done <- err }()
	child, grandchild := waitPids(t, dir)
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Output did not return after cancellation")
	}
	waitDead(t, "the engine command", child, 5*time.Second)
	waitDead(t, "the engine command's own child", grandchild, 5*time.Second)
}

func TestRecordRemovedWhenCommandEnds(t *testing.T) {
	home := t.TempDir()
	trackIn(t, home)
	ctx := context.Background()
	if err := Run(ctx, Command(ctx, Environ(nil), "sh", "-c", "exit 0")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(home, ChildrenDir))
	if err != nil || len(entries) != 0 {
		t.Errorf("children records after the command ended: %v, %v; want none", entries, err)
	}
}

// TestHelperRunsSleeper is the daemon stand-in TestKilledDaemonLeavesNoEngineCommand
// kills: it records children under DEVARCH_TEST_HOME and runs the sleeper
// engine in DEVARCH_TEST_DIR until killed.
func TestHelperRunsSleeper(t *testing.T) {
	home, dir := os.Getenv("DEVARCH_TEST_HOME"), os.Getenv("DEVARCH_TEST_DIR")
	if home == "" || dir == "" {
		t.Skip("run by TestKilledDaemonLeavesNoEngineCommand")
	}
	TrackChildren(home, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	ctx := context.Background()
	Run(ctx, sleeper(t, ctx, dir))
	t.Fatal("the command returned; it should have been killed")
}

func TestKilledDaemonLeavesNoEngineCommand(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperRunsSleeper$", "-test.count=1")
	helper.Env = append(os.Environ(), "DEVARCH_TEST_HOME="+home, "DEVARCH_TEST_DIR="+dir)
	helper.Stdout, helper.Stderr = io.Discard, io.Discard
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	child, grandchild := waitPids(t, dir)
	t.Cleanup(func() { syscall.Kill(-child, syscall.SIGKILL) })
	if err := helper.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	helper.Wait()

	// The parent-death signal ends the command itself.
	waitDead(t, "the engine command of the killed daemon", child, 5*time.Second)
	// Its own child is not the daemon's: it outlives the kill, as docker
	// compose outlives a killed docker CLI, until the next daemon ends it.
	if !alive(grandchild) {
		t.Fatal("the grandchild died with the daemon; this test cannot tell whether ReapLeftovers ends it")
	}
	if _, err := os.Stat(filepath.Join(home, ChildrenDir, strconv.Itoa(child))); err != nil {
		t.Fatalf("the killed daemon left no record of its command: %v", err)
	}
	ended, err := ReapLeftovers(filepath.Join(home, ChildrenDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 1 || ended[0].PGID != child {
		t.Errorf("ReapLeftovers ended %+v, want the group %d", ended, child)
	}
	waitDead(t, "the leftover of the killed daemon's command", grandchild, 5*time.Second)
	if entries, _ := os.ReadDir(filepath.Join(home, ChildrenDir)); len(entries) != 0 {
		t.Errorf("records after ReapLeftovers: %d, want none", len(entries))
	}
}

func TestReapLeftoversSparesWhatIsNotTheRecordedProcess(t *testing.T) {
	dir := t.TempDir()
	// A live process of ours that no record names as it is: its start time
	// differs, or the record is of another boot.
	other := exec.Command("sleep", "300")
	other.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	pid := other.Process.Pid
	start, err := procStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rec  childRecord
	}{
		{"reused pid", childRecord{PID: pid, PGID: pid, Start: start - 1, Boot: bootID()}},
		{"earlier boot", childRecord{PID: pid, PGID: pid, Start: start, Boot: "another-boot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(pid))
			if err := os.WriteFile(path, tt.rec.encode(), 0o600); err != nil {
				t.Fatal(err)
			}
			ended, err := ReapLeftovers(dir)
			if err != nil || len(ended) != 0 {
				t.Errorf("ReapLeftovers = %+v, %v; want nothing ended", ended, err)
			}
			if !alive(pid) {
				t.Fatal("a process the record does not name was killed")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the stale record stays: %v", err)
			}
		})
	}
	t.Run("garbage record", func(t *testing.T) {
		path := filepath.Join(dir, strconv.Itoa(pid))
		os.WriteFile(path, []byte("pgid=x\n"), 0o600)
		os.WriteFile(filepath.Join(dir, "not-a-pid"), nil, 0o600)
		if ended, err := ReapLeftovers(dir); err != nil || len(ended) != 0 {
			t.Errorf("ReapLeftovers = %+v, %v; want nothing ended", ended, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 || !alive(pid) {
			t.Errorf("records left: %d (want 0); process alive: %v (want true)", len(entries), alive(pid))
		}
	})
}
