package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

func newPsCommand(c *cli) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:   "ps STACK",
		Short: "List the stack's containers (found by devarch labels)",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPs(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd, "container names")
	return cmd
}

func runPs(ctx context.Context, c *cli, stack string, opts listOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	cs, err := cl.PS(ctx, stack, spec)
	if err != nil {
		return err
	}
	return printList(c, opts, list[api.Container]{
		items:   cs,
		id:      func(ct api.Container) string { return ct.Name },
		headers: []string{"INSTANCE", "NAME", "IMAGE", "STATE", "HEALTH", "PORTS"},
		row: func(ct api.Container) []string {
			return []string{ct.Instance, ct.Name, ct.Image, ct.State, ct.Health, ct.Ports}
		},
	})
}
