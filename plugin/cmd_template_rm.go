package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newTemplateRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a user template",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateRm(cmd.Context(), c, args[0])
		},
	}
}

func runTemplateRm(ctx context.Context, c *cli, name string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	if err := cl.RemoveTemplate(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Removed template %s.\n", name)
	return nil
}
