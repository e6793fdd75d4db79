package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

// defaultPlanTTL is how long a saved plan stays applicable.
const defaultPlanTTL = 15 * time.Minute

type planOptions struct {
	save             bool
	json             bool
	detailedExitcode bool
	destroy          bool
	build            bool
	start            bool
	ttl              time.Duration
	lockTimeout      time.Duration
	ttlGiven         bool
	targets          []string
}

// defaultPlanLockTimeout is how long plan waits for a stack's lock unless
// --lock-timeout says otherwise: an apply holding it may be about to end.
const defaultPlanLockTimeout = 10 * time.Second

func newPlanCommand(c *cli) *cobra.Command {
	var opts planOptions
	cmd := &cobra.Command{
		Use:   "plan STACK",
		Short: "Show what apply would change: desired state vs last applied vs live containers",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ttlGiven = cmd.Flags().Changed("ttl")
			return runPlan(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.save, "save", false, "save the plan so apply --plan ID applies exactly it")
	f.BoolVar(&opts.json, "json", false, "print JSON")
	f.BoolVar(&opts.detailedExitcode, "detailed-exitcode", false, "exit 0 when nothing changes, 2 when something does, 1 on error")
	f.BoolVar(&opts.destroy, "destroy", false, "plan the removal of every container of the stack")
	f.BoolVar(&opts.build, "build", false, "rebuild every instance that builds its image, whatever changed")
	f.BoolVar(&opts.start, "start", false, "plan to start the instances devarch stop stopped (with --target, the targets only)")
	f.DurationVar(&opts.ttl, "ttl", defaultPlanTTL, "how long a saved plan stays applicable")
	f.DurationVar(&opts.lockTimeout, "lock-timeout", defaultPlanLockTimeout, "how long to wait for the stack's lock (0: fail at once when held)")
	f.Var(newTargetsValue(&opts.targets), "target", "plan only this `INSTANCE` (repeat or comma-separate); providers it needs that do not run yet come along")
	return cmd
}

func runPlan(ctx context.Context, c *cli, stack string, opts planOptions) error {
	if opts.ttl <= 0 {
		return fieldErr("--ttl", "must be positive, like 15m")
	}
	if opts.lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	if opts.ttlGiven && !opts.save {
		return fieldErr("--ttl", "applies to a saved plan: add --save")
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	var sources map[string]string
	if !opts.destroy {
		if sources, err = fileSources(ctx, cl, stack); err != nil {
			return err
		}
	}
	p, err := cl.Plan(ctx, stack, api.PlanRequest{
		Runtime: spec, Save: opts.save, TTL: core.Duration(opts.ttl),
		Destroy: opts.destroy, LockTimeout: core.Duration(opts.lockTimeout), LockNoWait: opts.lockTimeout == 0,
		Targets: opts.targets, Build: opts.build, Start: opts.start, Sources: sources,
		NoDesired: !opts.json, // printed, the plan shows its changes, not the desired state
	})
	if err != nil {
		return err
	}
	if opts.json {
		if err := render.JSON(c.out, p); err != nil {
			return err
		}
	} else {
		if err := render.Plan(c.out, p, c.color()); err != nil {
			return err
		}
		if opts.save && p.ID != "" {
			fmt.Fprintf(c.out, "\nSaved plan %s (valid until %s). Apply exactly this plan with:\n  %s apply %s --plan %s\n",
				p.ID, p.ExpiresAt.Local().Format(time.RFC3339), c.commandName(), stack, p.ID)
		}
	}
	if opts.detailedExitcode && !p.Empty() {
		return &exitError{code: 2}
	}
	return nil
}
