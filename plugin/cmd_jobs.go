package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

// newJobsCommand lists jobs, and groups the commands on one job.
func newJobsCommand(c *cli) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List apply and destroy jobs",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runJobs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd, "job IDs")
	cmd.AddCommand(newJobsAttachCommand(c), newJobsCancelCommand(c))
	return cmd
}

func runJobs(ctx context.Context, c *cli, opts listOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	jobs, err := cl.Jobs(ctx)
	if err != nil {
		return err
	}
	return printList(c, opts, list[api.Job]{
		items:   jobs,
		id:      func(j api.Job) string { return j.ID },
		headers: []string{"ID", "STACK", "OPERATION", "STATE", "CREATED", "ENDED", "RESULT"},
		row:     jobRow,
	})
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
