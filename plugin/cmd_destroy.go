package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newDestroyCommand(c *cli) *cobra.Command {
	return newDestroyLikeCommand(c, "destroy STACK", "Remove the stack's containers and network (the definition stays unless --purge)")
}

// newDownCommand is destroy under the name docker compose gives it.
func newDownCommand(c *cli) *cobra.Command {
	return newDestroyLikeCommand(c, "down STACK", "Take the stack down: destroy under the name docker compose uses")
}

func newDestroyLikeCommand(c *cli, use, short string) *cobra.Command {
	opts := applyOptions{destroy: true}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDestroy(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().BoolVar(&opts.purge, "purge", false, "also remove the stack's definition and its named volumes (its data)")
	return cmd
}

// runDestroy is apply converging the stack to nothing: it plans the
// removal, asks, and follows the job as apply does.
func runDestroy(ctx context.Context, c *cli, stack string, opts applyOptions) error {
	opts.destroy = true
	return runApply(ctx, c, stack, opts)
}
