package main

import "github.com/spf13/cobra"

func newInstanceCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "instance",
		Aliases: []string{"instances"},
		Short:   "Manage a stack's instances",
	}
	cmd.AddCommand(
		newInstanceAddCommand(c), newInstanceLsCommand(c), newInstanceShowCommand(c),
		newInstanceSetCommand(c), newInstanceResetCommand(c), newInstanceRmCommand(c),
		newInstanceRenameCommand(c), newInstanceDuplicateCommand(c),
	)
	return cmd
}
