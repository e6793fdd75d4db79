package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newInstanceLsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:     "ls STACK",
		Aliases: []string{"list"},
		Short:   "List a stack's instances",
		Args:    exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceLs(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runInstanceLs(ctx context.Context, c *cli, stack string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	insts, err := cl.Instances(ctx, stack)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, nonNil(insts))
	}
	rows := make([][]string, 0, len(insts))
	for _, in := range insts {
		rows = append(rows, []string{in.Name, in.Template, enabledWord(in.Enabled), in.Image,
			strings.Join(in.Ports, ","), strings.Join(in.Overridden, ",")})
	}
	return render.Table(c.out, []string{"NAME", "TEMPLATE", "STATE", "IMAGE", "PORTS", "OVERRIDES"}, rows)
}
