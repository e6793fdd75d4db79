package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

type daemonStatusOptions struct{ json bool }

func newDaemonStatusCommand(c *cli) *cobra.Command {
	var opts daemonStatusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the daemon's status (starting it if needed)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDaemonStatus(cmd.Context(), c, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON")
	return cmd
}

func runDaemonStatus(ctx context.Context, c *cli, opts daemonStatusOptions) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, st)
	}
	return render.Table(c.out, []string{"FIELD", "VALUE"}, [][]string{
		{"pid", fmt.Sprint(st.PID)},
		{"version", st.Version},
		{"build", st.BuildID},
		{"home", st.Home},
		{"socket", st.Socket},
		{"started", st.StartedAt.Local().Format(time.RFC3339)},
		{"schema", fmt.Sprint(st.SchemaVersion)},
		{"stacks", fmt.Sprint(st.Stacks)},
		{"running jobs", fmt.Sprint(st.RunningJobs)},
	})
}
