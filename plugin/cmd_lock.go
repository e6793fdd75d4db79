package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	header, rows := lockTable(view.Holders)
	return render.Table(c.out, header, rows)
}

// lockTable lays out lock holders: MODE is exclusive (the whole stack),
// shared, or instances (a targeted apply in per-service mode, sharing the
// stack's lock and holding the instances of the INSTANCES column alone;
// the column is there only when such a holder is).
func lockTable(holders []api.LockInfo) ([]string, [][]string) {
	header := []string{"ID", "OPERATION", "MODE", "JOB", "WHO", "PID", "SINCE"}
	scoped := slices.ContainsFunc(holders, func(h api.LockInfo) bool { return len(h.Instances) > 0 })
	if scoped {
		header = append(header, "INSTANCES")
	}
	rows := make([][]string, 0, len(holders))
	for _, h := range holders {
		mode := "shared"
		switch {
		case h.Exclusive:
			mode = "exclusive"
		case len(h.Instances) > 0:
			mode = "instances"
		}
		row := []string{h.ID, h.Operation, mode, h.JobID, h.Who, fmt.Sprint(h.PID), h.Created.Local().Format(time.RFC3339)}
		if scoped {
			row = append(row, strings.Join(h.Instances, ","))
		}
		rows = append(rows, row)
	}
	return header, rows
}
