package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

func newTemplateShowCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a template",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateShow(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runTemplateShow(ctx context.Context, c *cli, name string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	t, err := cl.Template(ctx, name)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, t)
	}
	return writeYAML(c.out, t)
}
