package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

func newDaemonStopCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the daemon (running jobs are cancelled)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDaemonStop(cmd.Context(), c)
		},
	}
}

// stopTimeout bounds the wait for a stopping daemon to exit.
const stopTimeout = 15 * time.Second

func runDaemonStop(ctx context.Context, c *cli) error {
	home, err := c.homeDir()
	if err != nil {
		return err
	}
	cl := client.New(client.SocketPath(home))
	st, err := cl.Status(ctx)
	if client.IsDaemonUnavailable(err) {
		fmt.Fprintln(c.out, "The devarch daemon is not running.")
		return nil
	}
	if err != nil {
		return err
	}
	if err := cl.Shutdown(ctx); err != nil && !client.IsDaemonUnavailable(err) {
		return fmt.Errorf("stop daemon: %w", err)
	}
	if err := waitExit(ctx, cl, st); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Stopped the devarch daemon (pid %d).\n", st.PID)
	return nil
}

// waitExit waits until the daemon's process is gone (or, when its pid is
// not ours to see, until its socket stops answering).
func waitExit(ctx context.Context, cl *client.Client, st api.Status) error {
	deadline := time.Now().Add(stopTimeout)
	for time.Now().Before(deadline) {
		gone := false
		if st.PID > 0 {
			err := syscall.Kill(st.PID, 0)
			gone = errors.Is(err, syscall.ESRCH) || isZombie(st.PID)
		} else {
			_, err := cl.Status(ctx)
			gone = client.IsDaemonUnavailable(err)
		}
		if gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return withHint(fmt.Errorf("the daemon (pid %d) is still running %s after it was asked to stop", st.PID, stopTimeout),
		"it may be finishing a job; check `jobs`, or send it SIGTERM")
}

// isZombie reports whether pid has exited but not been reaped yet (its
// parent, often init in a container, has not waited for it).
func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
