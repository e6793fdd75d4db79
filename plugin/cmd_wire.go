package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newWireCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "wire STACK CONSUMER[.IMPORT] PROVIDER[.EXPORT]",
		Short: "Wire a consumer's import to a provider explicitly (explicit wires win over automatic ones)",
		Long: `Wire a consumer's import to a provider explicitly (explicit wires win over automatic ones).

PROVIDER.EXPORT names one of the provider's exports; it is required when the
provider has several exports of the import's contract type (devarch never
picks one silently), and may be left out otherwise.

The wire is stored and reported first.

` + wiringExitDoc,
		Args: exactArgs("STACK", "CONSUMER[.IMPORT]", "PROVIDER[.EXPORT]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWire(cmd.Context(), c, args[0], args[1], args[2])
		},
	}
}

func runWire(ctx context.Context, c *cli, stack, consumerRef, providerRef string) error {
	consumer, imp := splitConsumer(consumerRef)
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	provider, export := core.SplitProviderRef(providerRef)
	view, err := cl.Wire(ctx, stack, core.Wire{Consumer: consumer, Import: imp, Provider: provider, Export: export})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Wired %s to %s.\n", consumerRef, providerRef)
	if err := render.Diagnostics(c.errOut, view.Diagnostics); err != nil {
		return err
	}
	return wiringExit(view.Diagnostics)
}
