package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

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
		if err := c.stackExists(ctx, stack); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "Stack %s was not locked.\n", stack)
		return nil
	}
	fmt.Fprintf(c.out, "Released %d lock(s) of stack %s.\n", n, stack)
	return nil
}
