package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

// newJobsCommand lists jobs, and groups the commands on one job.
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
		return render.JSON(c.out, nonNil(jobs))
	}
	rows := make([][]string, 0, len(jobs))
	for _, j := range jobs {
		rows = append(rows, jobRow(j))
	}
	return render.Table(c.out, []string{"ID", "STACK", "OPERATION", "STATE", "CREATED", "ENDED", "RESULT"}, rows)
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
