// Package proc runs the runtime's engine commands: in a process group of their own that dies with the daemon, recorded while they run, with the allow-listed environment, their output read or streamed and a failure turned into an error carrying stderr's reason.
package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// Environ is the allow-listed part of the process environment (see
// api.DaemonEnviron: nothing a CLI call or a compose file put there, no
// passphrase) with over's entries, sorted by key, and without the keys in
// unset.
func Environ(over map[string]string, unset ...string) []string {
	drop := map[string]bool{}
	for _, k := range unset {
		drop[k] = true
	}
	var out []string
	for _, kv := range api.DaemonEnviron(os.Environ()) {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := over[k]; !ok && !drop[k] {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !drop[k] {
			out = append(out, k+"="+over[k])
		}
	}
	return out
}

// Command prepares argv with env, in a process group of its own that dies
// with the daemon (see children.go); an ended ctx interrupts the group and
// kills it 10 seconds later. Run it with Run, Output or Stream.
func Command(ctx context.Context, env []string, argv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// Run runs cmd, made by Command with ctx, to its end.
func Run(ctx context.Context, cmd *exec.Cmd) error {
	if err := startChild(cmd); err != nil {
		return err
	}
	return waitChild(ctx, cmd)
}

// Output runs cmd, made by Command with ctx, with stdin and returns its
// stdout; a failure carries the command and the reason its stderr gives
// (see CommandError).
func Output(ctx context.Context, cmd *exec.Cmd, stdin []byte) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := Run(ctx, cmd); err != nil {
		return stdout.String(), CommandError(ctx, cmd, err, stderr.String())
	}
	return stdout.String(), nil
}

// CommandError is err, the failure of cmd, naming the program and its first
// two arguments and carrying stderr's error line; when ctx has ended it is
// ctx's error.
func CommandError(ctx context.Context, cmd *exec.Cmd, err error, stderr string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	name := strings.Join(cmd.Args[1:min(len(cmd.Args), 3)], " ")
	if msg := ErrorLine(stderr); msg != "" {
		return fmt.Errorf("%s %s: %s: %w", baseName(cmd.Args[0]), name, msg, err)
	}
	return fmt.Errorf("%s %s: %w", baseName(cmd.Args[0]), name, err)
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// LastLine is the last non-blank line of s, trimmed.
func LastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// ErrorLine is the last line of a command's stderr that says what went
// wrong: the usage hint the docker CLI prints after an error ("Run 'docker
// run --help' for more information") is skipped.
func ErrorLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "Run '") && strings.HasSuffix(l, "--help' for more information") {
			continue
		}
		return l
	}
	return LastLine(stderr)
}

// maxStderr bounds the stderr Stream keeps; older output is dropped.
const maxStderr = 256 * 1024

// Stream runs cmd, made by Command with ctx, calling line with every line
// of its stdout and stderr as it comes, and returns stderr in full.
func Stream(ctx context.Context, cmd *exec.Cmd, stdin []byte, line func(string)) (string, error) {
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := startChild(cmd); err != nil {
		return "", err
	}
	var mu sync.Mutex
	var stderr strings.Builder
	var wg sync.WaitGroup
	read := func(r io.Reader, keep bool) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			mu.Lock()
			if keep {
				if stderr.Len() > maxStderr {
					rest := stderr.String()[stderr.Len()-maxStderr/2:]
					stderr.Reset()
					stderr.WriteString(rest)
				}
				stderr.WriteString(sc.Text())
				stderr.WriteByte('\n')
			}
			if line != nil {
				line(sc.Text())
			}
			mu.Unlock()
		}
	}
	wg.Add(2)
	go read(stdout, false)
	go read(stderrPipe, true)
	wg.Wait()
	err = waitChild(ctx, cmd)
	return stderr.String(), err
}

// ExitErr reports whether err is a non-zero exit rather than a failure to run.
func ExitErr(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}
