package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

func newRunCommand(c *cli) *cobra.Command {
	var opts execOptions
	cmd := &cobra.Command{
		Use:   "run STACK INSTANCE [--] [COMMAND [ARG...]]",
		Short: "Run a one-off container of an instance, removed when it ends",
		Long: `Run a one-off container with the instance's effective config as last applied:
its image, environment (wiring included), volumes, config files and the stack's
network, with COMMAND instead of the image's command (its entrypoint stays). Flags go
before STACK: everything after INSTANCE is the command's. It publishes no ports and
is removed when it ends (docker compose run --rm); devarch exits with its exit
code. Stdin stays open; a terminal is allocated when devarch runs in one (-T: never).

The daemon hands devarch the stack's applied compose project, secret values
included; devarch writes it to a file only you can read (0600). docker compose
reads it from an open descriptor, so its name is removed before compose starts;
podman-compose reads it by name, and it is removed when the container ends.`,
		Args: minArgs(2, "STACK INSTANCE [COMMAND [ARG...]]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), c, args[0], args[1], commandArgs(args[2:]), opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runRun(ctx context.Context, c *cli, stack, instance string, command []string, opts execOptions) error {
	eo, err := opts.runtimeOptions(c, command)
	if err != nil {
		return err
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	t, err := cl.RunTarget(ctx, stack, instance, spec)
	if err != nil {
		return err
	}
	cmd, cleanup, err := composeRunCommand(t, eo)
	if err != nil {
		return fmt.Errorf("run %s %s: %w", stack, instance, err)
	}
	defer cleanup()
	return c.runInTerminal(cmd, "run "+stack+" "+instance)
}

// composeRunCommand writes the project (secret values included) to a
// private file and builds the compose run command reading it. When the
// command reads the open file (docker compose), its name is removed at
// once, so nothing stays on disk even if devarch is killed; otherwise
// cleanup removes it.
func composeRunCommand(t api.RunTarget, eo runtime.ExecOptions) (*exec.Cmd, func(), error) {
	f, err := writePrivateTemp(t.ComposeYAML)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	cmd, err := runtime.ComposeRunCommand(runtimeSpecOf(t.Runtime), t.Project, t.Service,
		runtime.RunOptions{ExecOptions: eo, File: f.Name(), Open: f, Workdir: t.Workdir})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if len(cmd.ExtraFiles) > 0 {
		os.Remove(f.Name())
	}
	return cmd, cleanup, nil
}

// writePrivateTemp writes content to a new file only its owner can read
// (0600) and returns it open; the caller closes and removes it.
func writePrivateTemp(content string) (*os.File, error) {
	f, err := os.CreateTemp("", "devarch-run-*.yml")
	if err != nil {
		return nil, fmt.Errorf("write the compose project: %w", err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write the compose project: %w", err)
	}
	return f, nil
}
