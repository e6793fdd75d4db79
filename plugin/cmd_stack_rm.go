package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newStackRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a stack's definition (run `destroy` first to remove its containers)",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackRm(cmd.Context(), c, args[0])
		},
	}
}

func runStackRm(ctx context.Context, c *cli, name string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	if err := cl.RemoveStack(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Removed stack %s.\n", name)
	return nil
}
