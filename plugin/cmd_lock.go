package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

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
		return render.JSON(c.out, view)
	}
	if len(view.Holders) == 0 {
		// The daemon keeps no lock for a stack it does not know.
		if err := c.stackExists(ctx, stack); err != nil {
			return err
		}
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
	return render.Table(c.out, []string{"ID", "OPERATION", "MODE", "JOB", "WHO", "PID", "SINCE"}, rows)
}
