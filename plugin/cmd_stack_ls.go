package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

func newStackLsCommand(c *cli) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List stacks",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackLs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd, "stack names")
	return cmd
}

func runStackLs(ctx context.Context, c *cli, opts listOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	stacks, err := cl.Stacks(ctx)
	if err != nil {
		return err
	}
	return printList(c, opts, list[api.StackSummary]{
		items:   stacks,
		id:      func(s api.StackSummary) string { return s.Name },
		headers: []string{"NAME", "INSTANCES", "ENVIRONMENT", "SERIAL", "APPLIED", "DESCRIPTION"},
		row: func(s api.StackSummary) []string {
			applied := "never"
			if s.AppliedAt != nil {
				applied = fmt.Sprintf("%s (serial %d)", s.AppliedAt.Local().Format(time.RFC3339), s.AppliedSerial)
			}
			return []string{s.Name, fmt.Sprint(s.Instances), s.Environment, fmt.Sprint(s.Serial), applied, s.Description}
		},
	})
}
