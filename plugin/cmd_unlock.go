package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newLockCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "lock STACK",
		Short: "Show who holds the stack's lock",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLock(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runLock(ctx context.Context, c *cli, stack string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.Lock(ctx, stack)
	if err != nil {
		return err
	}
	if opts.json {
		render.JSON(c.out, view)
		return nil
	}
	if len(view.Holders) == 0 {
		fmt.Fprintf(c.out, "Stack %s is not locked.\n", stack)
		return nil
	}
	rows := make([][]string, 0, len(view.Holders))
	for _, h := range view.Holders {
		mode := "shared"
		if h.Exclusive {
			mode = "exclusive"
		}
		rows = append(rows, []string{h.ID, h.Operation, mode, h.JobID, h.Who, fmt.Sprint(h.PID), h.Created.Local().Format(time.RFC3339)})
	}
	render.Table(c.out, []string{"ID", "OPERATION", "MODE", "JOB", "WHO", "PID", "SINCE"}, rows)
	return nil
}

// errNoForce refuses an unlock without --force.
var errNoForce = errors.New("unlocking releases locks that running jobs hold; confirm with --force")

type unlockOptions struct {
	force bool
	id    string
}

func newUnlockCommand(c *cli) *cobra.Command {
	var opts unlockOptions
	cmd := &cobra.Command{
		Use:   "unlock STACK --force",
		Short: "Force-release a stack lock whose holder is gone (cancel a running job with `jobs cancel` instead)",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnlock(cmd.Context(), c, args[0], opts)
		},
	}
	cmd.Flags().BoolVar(&opts.force, "force", false, "confirm releasing locks others hold")
	cmd.Flags().StringVar(&opts.id, "id", "", "release only the holder with this lock `ID` (see lock STACK)")
	return cmd
}

func runUnlock(ctx context.Context, c *cli, stack string, opts unlockOptions) error {
	if !opts.force {
		return withHint(errNoForce, "see the holders with `lock "+stack+"`, then run `unlock "+stack+" --force`")
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	n, err := cl.Unlock(ctx, stack, api.UnlockRequest{Force: true, ID: opts.id})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(c.out, "Stack %s was not locked.\n", stack)
		return nil
	}
	fmt.Fprintf(c.out, "Released %d lock(s) of stack %s.\n", n, stack)
	return nil
}
