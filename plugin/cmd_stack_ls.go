package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newStackLsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List stacks",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackLs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runStackLs(ctx context.Context, c *cli, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	stacks, err := cl.Stacks(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, nonNil(stacks))
	}
	rows := make([][]string, 0, len(stacks))
	for _, s := range stacks {
		applied := "never"
		if s.AppliedAt != nil {
			applied = fmt.Sprintf("%s (serial %d)", s.AppliedAt.Local().Format(time.RFC3339), s.AppliedSerial)
		}
		rows = append(rows, []string{s.Name, fmt.Sprint(s.Instances), s.Environment, fmt.Sprint(s.Serial), applied, s.Description})
	}
	return render.Table(c.out, []string{"NAME", "INSTANCES", "ENVIRONMENT", "SERIAL", "APPLIED", "DESCRIPTION"}, rows)
}
