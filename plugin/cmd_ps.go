package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newPsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "ps STACK",
		Short: "List the stack's containers (found by devarch labels)",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPs(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runPs(ctx context.Context, c *cli, stack string, opts jsonOption) error {
	spec, err := c.RuntimeSpec()
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	cs, err := cl.PS(ctx, stack, spec)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, nonNil(cs))
	}
	rows := make([][]string, 0, len(cs))
	for _, ct := range cs {
		rows = append(rows, []string{ct.Instance, ct.Name, ct.Image, ct.State, ct.Health, ct.Ports})
	}
	return render.Table(c.out, []string{"INSTANCE", "NAME", "IMAGE", "STATE", "HEALTH", "PORTS"}, rows)
}
