package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon"
)

func newDaemonRunCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:    "run",
		Short:  "Run the daemon in the foreground",
		Hidden: true,
		Args:   exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDaemonRun(cmd.Context(), c)
		},
	}
}

func runDaemonRun(ctx context.Context, c *cli) error {
	return daemon.Run(ctx, daemon.Config{Home: c.home})
}
