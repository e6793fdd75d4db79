package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// imagesOptions are the flags of build and pull.
type imagesOptions struct {
	detach      bool
	lockTimeout time.Duration
	timeout     time.Duration // pull only
}

func (o *imagesOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.detach, "detach", false, "start the job and print its ID without following it")
	f.DurationVar(&o.lockTimeout, "lock-timeout", 0, "how long to wait for the stack's lock (0: fail at once when held)")
}

func newBuildCommand(c *cli) *cobra.Command {
	var opts imagesOptions
	cmd := &cobra.Command{
		Use:   "build STACK [INSTANCE...]",
		Short: "Build the images of the stack's instances that build, without applying",
		Long: "build builds the image of every enabled instance that builds (or of the instances named), " +
			"streaming the engine's output. The containers keep running the images they run: the next " +
			"plan shows them replaced, and apply runs the new images.",
		Args: rangeArgs(1, 1<<16, "STACK [INSTANCE...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImages(cmd.Context(), c, "build", args[0], args[1:], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

// runImages starts a build or pull job (op) and follows it.
func runImages(ctx context.Context, c *cli, op, stack string, instances []string, opts imagesOptions) error {
	if opts.lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	if opts.timeout < 0 {
		return fieldErr("--timeout", "must not be negative")
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	req := api.ImagesRequest{Runtime: spec, Instances: instances,
		LockTimeout: core.Duration(opts.lockTimeout), Timeout: core.Duration(opts.timeout)}
	start := cl.Build
	if op == "pull" {
		start = cl.Pull
	}
	job, err := start(ctx, stack, req)
	if err != nil {
		return err
	}
	return awaitJob(ctx, c, cl, stack, job, opts.detach)
}
