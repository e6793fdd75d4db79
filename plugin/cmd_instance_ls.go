package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

func newInstanceLsCommand(c *cli) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "ls STACK",
		Aliases: []string{"list"},
		Short:   "List a stack's instances",
		Args:    exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceLs(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd, "instance names")
	return cmd
}

func runInstanceLs(ctx context.Context, c *cli, stack string, opts listOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	insts, err := cl.Instances(ctx, stack)
	if err != nil {
		return err
	}
	return printList(c, opts, list[api.InstanceSummary]{
		items:   insts,
		id:      func(in api.InstanceSummary) string { return in.Name },
		headers: []string{"NAME", "TEMPLATE", "STATE", "IMAGE", "PORTS", "OVERRIDES"},
		row: func(in api.InstanceSummary) []string {
			return []string{in.Name, in.Template, enabledWord(in.Enabled), in.Image,
				strings.Join(in.Ports, ","), strings.Join(in.Overridden, ",")}
		},
	})
}
