package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newUnwireCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "unwire STACK CONSUMER[.IMPORT]",
		Short: "Remove an explicit wire (automatic wiring applies again)",
		Long: `Remove an explicit wire (automatic wiring applies again).

The wire is removed and reported first.

` + wiringExitDoc,
		Args: exactArgs("STACK", "CONSUMER[.IMPORT]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnwire(cmd.Context(), c, args[0], args[1])
		},
	}
}

func runUnwire(ctx context.Context, c *cli, stack, consumerRef string) error {
	consumer, imp := splitConsumer(consumerRef)
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.Unwire(ctx, stack, consumer, imp)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Removed the explicit wire of %s.\n", consumerRef)
	if err := render.Diagnostics(c.errOut, view.Diagnostics); err != nil {
		return err
	}
	return wiringExit(view.Diagnostics)
}
