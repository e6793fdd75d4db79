package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newJobsCancelCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a running job (it rolls back what it started)",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runJobsCancel(cmd.Context(), c, args[0])
		},
	}
}

func runJobsCancel(ctx context.Context, c *cli, id string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	job, err := cl.CancelJob(ctx, id)
	if err != nil {
		return err
	}
	if job.State.Done() {
		fmt.Fprintf(c.out, "Job %s is %s.\n", job.ID, job.State)
		return nil
	}
	fmt.Fprintf(c.out, "Cancelling job %s. Follow it with: %s jobs attach %s\n", job.ID, c.commandName(), job.ID)
	return nil
}
