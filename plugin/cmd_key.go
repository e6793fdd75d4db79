package main

import "github.com/spf13/cobra"

func newKeyCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the store's encryption key",
	}
	cmd.AddCommand(newKeyRotateCommand(c))
	return cmd
}
