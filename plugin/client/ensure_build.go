package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// restartTimeout bounds the wait for a daemon of another build to exit.
const restartTimeout = 15 * time.Second

// BuildMismatchError is a daemon of another build that runs jobs: it is
// not restarted under them.
type BuildMismatchError struct {
	Home        string
	DaemonBuild string // "" for a daemon older than build ids
	CLIBuild    string
	RunningJobs int
}

func (e *BuildMismatchError) Error() string {
	daemon := e.DaemonBuild
	if daemon == "" {
		daemon = "(older, without a build id)"
	}
	return fmt.Sprintf("the devarch daemon for %s runs another build than this CLI (daemon %s, CLI %s) and has %d running job(s): it is not restarted while it runs them",
		e.Home, daemon, e.CLIBuild, e.RunningJobs)
}

// Hint says how to get a daemon of this build.
func (e *BuildMismatchError) Hint() string {
	return "see them with `devarch jobs`, wait until they have ended, then run `devarch daemon stop`: the next command starts the daemon of this build"
}

// EnsureDaemonBuild is EnsureDaemon for a CLI of build: a daemon that
// answers with another build id (or none, being older than build ids) is
// stopped and the daemon of exe started in its place, saying so on notice,
// when it runs no job (asked to stop only if idle, so a job started since
// its status was read is never cancelled); when it runs jobs, a
// *BuildMismatchError. A daemon
// of another build would otherwise refuse request fields it does not know.
func EnsureDaemonBuild(ctx context.Context, home, exe, build string, notice io.Writer) error {
	c := New(SocketPath(home))
	st, err := c.statusProbe(ctx)
	switch {
	case IsDaemonUnavailable(err):
		return EnsureDaemon(ctx, home, exe)
	case err != nil:
		return err
	case st.BuildID == build:
		return nil
	case st.RunningJobs > 0:
		return &BuildMismatchError{Home: home, DaemonBuild: st.BuildID, CLIBuild: build, RunningJobs: st.RunningJobs}
	}
	// Only if idle: a job that started since the status was read is not
	// cancelled by the restart; the daemon refuses instead.
	switch err := c.ShutdownIfIdle(ctx); {
	case IsConflict(err):
		running := 1
		if now, serr := c.Status(ctx); serr == nil && now.RunningJobs > running {
			running = now.RunningJobs
		}
		return &BuildMismatchError{Home: home, DaemonBuild: st.BuildID, CLIBuild: build, RunningJobs: running}
	case err != nil && !IsDaemonUnavailable(err):
		return fmt.Errorf("stop the daemon of another build: %w", err)
	}
	old := st.BuildID
	if old == "" {
		old = "an older build"
	}
	fmt.Fprintf(notice, "devarch: restarting the daemon for %s (pid %d): it runs %s, this CLI is %s\n", home, st.PID, old, build)
	if err := waitProcessGone(ctx, st.PID); err != nil {
		return err
	}
	return EnsureDaemon(ctx, home, exe)
}

// statusProbe is probe, keeping the status.
func (c *Client) statusProbe(ctx context.Context) (st api.Status, err error) {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err = c.Status(pctx)
	if errors.Is(err, context.DeadlineExceeded) && pctx.Err() != nil || closedUnanswered(err) {
		return st, &UnavailableError{Socket: c.socket, Err: err}
	}
	return st, err
}

// waitProcessGone waits until pid has exited (gone, or a zombie nobody
// reaped yet).
func waitProcessGone(ctx context.Context, pid int) error {
	if pid <= 0 {
		return nil
	}
	deadline := time.Now().Add(restartTimeout)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) || zombie(pid) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("the daemon of another build (pid %d) is still running %s after it was asked to stop", pid, restartTimeout)
}

// zombie reports whether pid has exited but was not reaped yet.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
