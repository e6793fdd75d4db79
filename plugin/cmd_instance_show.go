package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

type instanceShowOptions struct {
	json      bool
	effective bool
}

func newInstanceShowCommand(c *cli) *cobra.Command {
	var opts instanceShowOptions
	cmd := &cobra.Command{
		Use:   "show STACK NAME",
		Short: "Show an instance's overrides (and with --effective its effective config; secrets redacted)",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceShow(cmd.Context(), c, args[0], args[1], opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.effective, "effective", false, "include the effective config (template + overrides)")
	return cmd
}

func runInstanceShow(ctx context.Context, c *cli, stack, name string, opts instanceShowOptions) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.Instance(ctx, stack, name, opts.effective)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, view)
	}
	return printJSONAsYAML(c, view)
}
