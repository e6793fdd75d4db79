package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scriptEngine is a docker Engine whose binary is the shell script body.
func scriptEngine(t *testing.T, body string) *Engine {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "docker")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Spec{Kind: KindDocker, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestPullBoundedAndNamed: a pull that never answers ends at its bound
// with an error naming the image; a refused pull names it with the
// engine's reason.
func TestPullBoundedAndNamed(t *testing.T) {
	sleep := "/bin/sleep"
	if _, err := os.Stat(sleep); err != nil {
		sleep = "/usr/bin/sleep"
	}
	t.Run("no answer", func(t *testing.T) {
		e := scriptEngine(t, "exec "+sleep+" 60\n")
		start := time.Now()
		err := e.Pull(context.Background(), []string{"registry.example:5000/app:1"}, 300*time.Millisecond, nil)
		if err == nil || !strings.Contains(err.Error(), "pull registry.example:5000/app:1: no answer from its registry within 300ms") {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("pull took %s past its 300ms bound", d)
		}
	})
	t.Run("refused", func(t *testing.T) {
		e := scriptEngine(t, "echo 'Error response from daemon: pull access denied for app' >&2\nexit 1\n")
		err := e.Pull(context.Background(), []string{"docker.io/library/app:1"}, time.Minute, nil)
		if err == nil || !strings.Contains(err.Error(), "pull docker.io/library/app:1: Error response from daemon: pull access denied") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestBuildFailureKeepsTheStepOutput: a failed build is a *ComposeError
// naming the instance, with the last lines of the output (the failing
// step's) as its reason; every line went to progress.
func TestBuildFailureKeepsTheStepOutput(t *testing.T) {
	e := scriptEngine(t, `for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo "#4 line $i" >&2; done
echo '#5 [2/2] RUN make' >&2
echo '#5 0.21 make: *** No rule to make target' >&2
echo 'failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2' >&2
exit 17
`)
	var lines []string
	err := e.Build(context.Background(), "devarch-shop", []byte("services: {}\n"), "", []string{"api"}, func(l string) { lines = append(lines, l) })
	var ce *ComposeError
	if !errors.As(err, &ce) || ce.Op != "build" || ce.Instance != "api" {
		t.Fatalf("err = %#v", err)
	}
	for _, want := range []string{"make: *** No rule to make target", "exit code: 2", "#5 [2/2] RUN make"} {
		if !strings.Contains(ce.Reason, want) {
			t.Errorf("reason lacks %q:\n%s", want, ce.Reason)
		}
	}
	if strings.Contains(ce.Reason, "#4 line 1\n") {
		t.Errorf("reason keeps more than the tail:\n%s", ce.Reason)
	}
	if len(lines) != 18 {
		t.Errorf("progress got %d lines; want 18", len(lines))
	}
	if err := e.Build(context.Background(), "p", nil, "", nil, nil); err != nil {
		t.Errorf("building nothing: %v", err)
	}
}
