package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newJobsAttachCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "attach ID",
		Short: "Follow a job's progress until it ends (Ctrl-C cancels it)",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runJobsAttach(cmd.Context(), c, args[0])
		},
	}
}

func runJobsAttach(ctx context.Context, c *cli, id string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	return followJob(ctx, c, cl, id)
}
