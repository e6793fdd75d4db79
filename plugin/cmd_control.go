package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
	"github.com/devarch-dev/devarch/plugin/render"
)

// controlVerb is one of stop, start and restart.
type controlVerb struct {
	name, done, short, long string
	call                    func(cl *client.Client, ctx context.Context, stack string, req api.ControlRequest) (api.ControlResult, error)
}

var controlVerbs = []controlVerb{
	{"stop", "Stopped", "Stop the containers of a stack or of some of its instances",
		`Stop the containers of the stack (or of the INSTANCEs named), keeping them:
` + "`start`" + ` starts them again with their state, ` + "`destroy`" + ` removes them.`,
		(*client.Client).Stop},
	{"start", "Started", "Start stopped containers of a stack or of some of its instances",
		`Start the stopped containers of the stack (or of the INSTANCEs named).`,
		(*client.Client).Start},
	{"restart", "Restarted", "Restart the containers of a stack or of some of its instances",
		`Restart the containers of the stack (or of the INSTANCEs named), keeping their
config: to apply a changed definition, run ` + "`plan`" + ` and ` + "`apply`" + `.`,
		(*client.Client).Restart},
}

func newControlCommands(c *cli) []*cobra.Command {
	var cmds []*cobra.Command
	for _, v := range controlVerbs {
		cmds = append(cmds, newControlCommand(c, v))
	}
	return cmds
}

func newControlCommand(c *cli, v controlVerb) *cobra.Command {
	var opts jsonOption
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   v.name + " STACK [INSTANCE...]",
		Short: v.short,
		Long: v.long + `

Only containers carrying the stack's devarch labels are touched; an INSTANCE the
stack does not define, or one without a container, is an error. The stack's lock
is held meanwhile, so no apply runs beside it.`,
		Args: minArgs(1, "STACK [INSTANCE...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runControl(cmd.Context(), c, v, args[0], args[1:], lockTimeout, opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "how long to wait for the stack's lock (0: the daemon's default, 10s)")
	return cmd
}

func runControl(ctx context.Context, c *cli, v controlVerb, stack string, instances []string, lockTimeout time.Duration, opts jsonOption) error {
	if lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	res, err := v.call(cl, ctx, stack, api.ControlRequest{Runtime: spec, Instances: instances, LockTimeout: core.Duration(lockTimeout)})
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, res)
	}
	for _, ct := range res.Containers {
		fmt.Fprintf(c.out, "%s %s (instance %s)\n", v.done, ct.Container, ct.Instance)
	}
	return nil
}
