package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// StartTimeout is how long EnsureDaemon waits for a daemon it started.
const StartTimeout = 10 * time.Second

// LogName is the daemon's log file inside the devarch home.
const LogName = api.LogName

// EnsureDaemon makes sure a daemon answers on home's socket: when nothing
// does, it starts `exe daemon run --home HOME` detached (own session, stdio
// to /dev/null; the daemon logs to HOME/daemon.log) and waits up to
// StartTimeout for /v1/status. A daemon that does not come up is an error
// carrying the tail of its log.
func EnsureDaemon(ctx context.Context, home, exe string) error {
	c := New(SocketPath(home))
	err := probe(ctx, c)
	if err == nil || !IsDaemonUnavailable(err) {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("create devarch home: %w", err)
	}
	errFile, err := os.CreateTemp("", "devarch-daemon-start-")
	if err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	defer os.Remove(errFile.Name())
	defer errFile.Close()

	cmd := exec.Command(exe, "daemon", "run", "--home", home)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, errFile
	cmd.Env = daemonEnviron(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start daemon %s: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.NewTimer(StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var exitErr error
	exitedAt := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return startFailure(home, errFile.Name(), exitErr, fmt.Errorf("it did not answer within %s", StartTimeout))
		case exitErr = <-exited:
			// Another CLI may have started a daemon at the same time: ours
			// then refuses to run, and the other one answers shortly.
			exitedAt = time.Now()
			if exitErr == nil {
				exitErr = errors.New("it exited")
			}
		case <-tick.C:
		}
		if err := probe(ctx, c); err == nil {
			return nil
		} else if !IsDaemonUnavailable(err) {
			return err
		}
		if !exitedAt.IsZero() && time.Since(exitedAt) > 2*time.Second {
			return startFailure(home, errFile.Name(), exitErr, nil)
		}
	}
}

// daemonEnviron is the allow-listed part of env (see api.DaemonEnviron):
// the daemon outlives the command that starts it and serves every later
// one, so it keeps none of this call's other variables (DEVARCH_PASSPHRASE,
// variables a compose file interpolated), nor those through which the
// docker CLI talks to a plugin it runs: run as docker-devarch under them
// the daemon would take itself for the plugin.
func daemonEnviron(env []string) []string { return api.DaemonEnviron(env) }

// probe asks for the status with a short timeout. A connection closed
// without an answer counts as no daemon, like one that cannot be dialed: a
// daemon that was just killed still has its socket open until its last
// thread is gone, so a connection made in that moment is reset when the
// kernel closes the socket, and the daemon to start is the next one.
func probe(ctx context.Context, c *Client) error {
	_, err := c.statusProbe(ctx)
	return err
}

// closedUnanswered reports whether err is a connection the other side
// closed before it answered.
func closedUnanswered(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// StartError is a daemon that did not come up.
type StartError struct {
	Home   string
	Reason string // what the daemon said, or why waiting gave up
	Log    string // last lines of HOME/daemon.log
}

func (e *StartError) Error() string {
	msg := "the devarch daemon for " + e.Home + " did not start: " + e.Reason
	if e.Log != "" {
		msg += "\nlast lines of " + filepath.Join(e.Home, LogName) + ":\n" + e.Log
	}
	return msg
}

// Hint says how to see the daemon's own account.
func (e *StartError) Hint() string {
	return "run `devarch daemon run --home " + e.Home + "` in a terminal to see it fail in the foreground"
}

func startFailure(home, errPath string, exitErr, waitErr error) error {
	var reasons []string
	if b, err := os.ReadFile(errPath); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			reasons = append(reasons, lastLines(s, 5))
		}
	}
	if exitErr != nil && len(reasons) == 0 {
		reasons = append(reasons, exitErr.Error())
	}
	if waitErr != nil {
		reasons = append(reasons, waitErr.Error())
	}
	e := &StartError{Home: home, Reason: strings.Join(reasons, "; ")}
	if b, err := os.ReadFile(filepath.Join(home, LogName)); err == nil {
		e.Log = lastLines(string(bytes.TrimSpace(b)), 10)
	}
	return e
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
