package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// execOptions are the flags exec and run share.
type execOptions struct {
	noTTY   bool
	user    string
	env     []string
	workdir string
}

func (o *execOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	// Flags after the command belong to it: `exec shop db ls -l`.
	f.SetInterspersed(false)
	f.BoolVarP(&o.noTTY, "no-tty", "T", false, "allocate no terminal (default: one when attached to a terminal)")
	f.StringVarP(&o.user, "user", "u", "", "run as this user (name or uid[:gid])")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set an environment variable, KEY=VALUE (repeatable)")
	f.StringVarP(&o.workdir, "workdir", "w", "", "working directory inside the container")
}

// runtimeOptions are o for a command in the user's terminal: stdin kept
// open, and a terminal when devarch runs in one and -T was not given.
func (o execOptions) runtimeOptions(c *cli, command []string) (runtime.ExecOptions, error) {
	for _, kv := range o.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return runtime.ExecOptions{}, fieldErr("--env", fmt.Sprintf("must be KEY=VALUE, got %q", kv))
		}
	}
	return runtime.ExecOptions{
		Interactive: true,
		TTY:         !o.noTTY && isTerminal(c.in) && isTerminal(c.out),
		User:        o.user, Env: o.env, Workdir: o.workdir, Command: command,
	}, nil
}

// commandArgs are the arguments after STACK INSTANCE without the "--" that
// may separate them: flags are not parsed after the first argument, so
// pflag leaves it in.
func commandArgs(rest []string) []string {
	if len(rest) > 0 && rest[0] == "--" {
		return rest[1:]
	}
	return rest
}

// runtimeSpecOf is the runtime package's spec of a wire one.
func runtimeSpecOf(s api.RuntimeSpec) runtime.Spec {
	return runtime.Spec{Kind: s.Kind, Binary: s.Binary, Env: s.Env}
}

func newExecCommand(c *cli) *cobra.Command {
	var opts execOptions
	cmd := &cobra.Command{
		Use:   "exec STACK INSTANCE [--] COMMAND [ARG...]",
		Short: "Run a command in an instance's running container",
		Long: `Run a command in the running container of an instance, as docker exec does:
stdin stays open, a terminal is allocated when devarch runs in one (-T: never),
and devarch exits with the command's exit code. Flags go before STACK: everything
after INSTANCE is the command's.

The daemon finds the container (checking it carries the stack's and the
instance's devarch labels) and the engine it runs on; devarch then runs the
engine's exec in your terminal itself.`,
		Args: minArgs(3, "STACK INSTANCE COMMAND [ARG...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			command := commandArgs(args[2:])
			if len(command) == 0 {
				return withHint(fmt.Errorf("%q takes STACK INSTANCE COMMAND [ARG...]; COMMAND is missing", cmd.CommandPath()),
					"see `"+cmd.CommandPath()+" --help`")
			}
			return runExec(cmd.Context(), c, args[0], args[1], command, opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runExec(ctx context.Context, c *cli, stack, instance string, command []string, opts execOptions) error {
	ro, err := opts.runtimeOptions(c, command)
	if err != nil {
		return err
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	t, err := cl.ExecTarget(ctx, stack, instance, spec)
	if err != nil {
		return err
	}
	cmd, err := runtime.ExecCommand(runtimeSpecOf(t.Runtime), t.Container, ro)
	if err != nil {
		return fmt.Errorf("exec %s %s: %w", stack, instance, err)
	}
	return c.runInTerminal(cmd, "exec "+stack+" "+instance)
}

// runInTerminal runs cmd on devarch's stdin, stdout and stderr and passes
// its exit code through; a failure to start it names what. While it runs,
// devarch outlives an interrupt (the terminal sends it to the command too,
// which decides), so what devarch cleans up afterwards is cleaned up.
func (c *cli) runInTerminal(cmd *exec.Cmd, what string) error {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.in, c.out, c.errOut
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM {
					_ = cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		code := ee.ExitCode()
		if code < 0 {
			code = 128 + 9 // killed by a signal
		}
		return &exitError{code: code}
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}
