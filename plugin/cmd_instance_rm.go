package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newInstanceRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm STACK NAME",
		Aliases: []string{"remove"},
		Short:   "Remove an instance from a stack (apply removes its container)",
		Args:    exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceRm(cmd.Context(), c, args[0], args[1])
		},
	}
}

func runInstanceRm(ctx context.Context, c *cli, stack, name string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	removed, err := cl.RemoveInstance(ctx, stack, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Removed instance %s from stack %s.\n", name, stack)
	return render.Diagnostics(c.errOut, removed.Warnings)
}
