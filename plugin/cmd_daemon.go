package main

import "github.com/spf13/cobra"

func newDaemonCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Manage the devarch daemon",
	}
	cmd.AddCommand(newDaemonRunCommand(c), newDaemonStatusCommand(c), newDaemonStopCommand(c))
	return cmd
}
