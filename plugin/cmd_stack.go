package main

import "github.com/spf13/cobra"

func newStackCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "stack",
		Aliases: []string{"stacks"},
		Short:   "Manage stacks",
	}
	cmd.AddCommand(newStackCreateCommand(c), newStackSetCommand(c), newStackLsCommand(c), newStackShowCommand(c), newStackRmCommand(c), newStackCopyCommand(c))
	return cmd
}
