package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newJobsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List apply and destroy jobs",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runJobs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd)
	cmd.AddCommand(newJobsAttachCommand(c), newJobsCancelCommand(c))
	return cmd
}

func runJobs(ctx context.Context, c *cli, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	jobs, err := cl.Jobs(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		render.JSON(c.out, nonNil(jobs))
		return nil
	}
	rows := make([][]string, 0, len(jobs))
	for _, j := range jobs {
		rows = append(rows, jobRow(j))
	}
	render.Table(c.out, []string{"ID", "STACK", "OPERATION", "STATE", "CREATED", "ENDED", "RESULT"}, rows)
	return nil
}

func jobRow(j api.Job) []string {
	ended := ""
	if j.EndedAt != nil {
		ended = j.EndedAt.Local().Format(time.RFC3339)
	}
	result := j.Summary
	if j.Error != "" {
		result = j.Error
		if j.Instance != "" && !strings.Contains(j.Error, "instance "+j.Instance) {
			result = "instance " + j.Instance + ": " + j.Error
		}
	}
	return []string{j.ID, j.Stack, j.Operation, string(j.State), j.CreatedAt.Local().Format(time.RFC3339), ended, result}
}

func newJobsAttachCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "attach ID",
		Short: "Follow a job's progress until it ends (Ctrl-C cancels it)",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			return followJob(ctx, c, cl, args[0])
		},
	}
}

func newJobsCancelCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a running job (it rolls back what it started)",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			job, err := cl.CancelJob(ctx, args[0])
			if err != nil {
				return err
			}
			if job.State.Done() {
				fmt.Fprintf(c.out, "Job %s is %s.\n", job.ID, job.State)
				return nil
			}
			fmt.Fprintf(c.out, "Cancelling job %s. Follow it with: %s jobs attach %s\n", job.ID, c.commandName(), job.ID)
			return nil
		},
	}
}
