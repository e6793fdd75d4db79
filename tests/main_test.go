// Package tests runs the real devarch binary: integration tests against a
// daemon in a temporary home, and (build tag e2e) end-to-end tests against a
// real container engine.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// devarchBin is the binary built once by TestMain, named devarch so it runs
// standalone (not as a docker plugin).
var devarchBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devarch-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	devarchBin = filepath.Join(dir, "devarch")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	build := exec.Command("go", "build", "-o", devarchBin, "./plugin")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build devarch: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// home is one devarch state directory with its own daemon.
type home struct {
	t   testing.TB // the test or benchmark failures are reported to
	Dir string
	env []string
}

// newHome makes a fresh DEVARCH_HOME (short, so the socket path fits) and
// stops its daemon when the test ends.
func newHome(t *testing.T) *home {
	t.Helper()
	return newHomeTB(t)
}

// newHomeTB is newHome for a test or a benchmark.
func newHomeTB(t testing.TB) *home {
	t.Helper()
	dir, err := os.MkdirTemp("", "dvh-")
	if err != nil {
		t.Fatal(err)
	}
	h := &home{t: t, Dir: dir, env: append(os.Environ(), "DEVARCH_HOME="+dir)}
	t.Cleanup(func() {
		h.run("daemon", "stop")
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("devarch home kept for inspection: %s", dir)
		}
	})
	return h
}

// result is what one CLI run printed and returned.
type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// run executes devarch with args in h, with stdin from the optional input.
func (h *home) run(args ...string) result { return h.runIn("", args...) }

func (h *home) runIn(stdin string, args ...string) result {
	return h.runDevarch(5*time.Minute, "", nil, stdin, args...)
}

// runDevarch runs devarch with args in dir (the test's own when empty), the
// home's environment plus env, and stdin, within timeout.
func (h *home) runDevarch(timeout time.Duration, dir string, env []string, stdin string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, devarchBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, h.env...), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			h.t.Fatalf("run devarch %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// ok runs devarch and fails the test unless it exits 0.
func (h *home) ok(args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.Code != 0 {
		h.t.Fatalf("devarch %s: %s", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// fails runs devarch and fails the test unless it exits with code.
func (h *home) fails(code int, args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.Code != code {
		h.t.Fatalf("devarch %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// json runs devarch with --json appended and decodes stdout into v.
func (h *home) json(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		h.t.Fatalf("devarch %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}
