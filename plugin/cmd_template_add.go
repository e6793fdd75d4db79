package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

type templateAddOptions struct {
	file    string
	replace bool
}

func newTemplateAddCommand(c *cli) *cobra.Command {
	var opts templateAddOptions
	cmd := &cobra.Command{
		Use:   "add -f FILE",
		Short: "Add a user template from a YAML file (- reads stdin)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateAdd(cmd.Context(), c, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.file, "file", "f", "", "template YAML file, or - for stdin")
	cmd.Flags().BoolVar(&opts.replace, "replace", false, "replace a user template of the same name")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func runTemplateAdd(ctx context.Context, c *cli, opts templateAddOptions) error {
	data, err := readInput(c.in, opts.file)
	if err != nil {
		return err
	}
	t, err := core.DecodeTemplateYAML(data)
	if err != nil {
		return fmt.Errorf("template file %s: %w", opts.file, err)
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	added, err := cl.AddTemplate(ctx, api.TemplateAddRequest{Template: t, Replace: opts.replace})
	if err != nil {
		return err
	}
	verb := "Added"
	if opts.replace {
		verb = "Saved"
	}
	fmt.Fprintf(c.out, "%s template %s (%s).\n", verb, added.Name, added.Image)
	return render.Diagnostics(c.errOut, added.Warnings)
}
