package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/plugin/render"
)

type configOptions struct {
	json        bool
	showSecrets bool
}

func newConfigCommand(c *cli) *cobra.Command {
	var opts configOptions
	cmd := &cobra.Command{
		Use:   "config STACK",
		Short: "Print the stack's generated compose project",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfig(cmd.Context(), c, args[0], opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.showSecrets, "show-secrets", false, "print secret values instead of "+core.Redacted)
	return cmd
}

func runConfig(ctx context.Context, c *cli, stack string, opts configOptions) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.Config(ctx, stack, opts.showSecrets)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, view)
	}
	fmt.Fprint(c.out, view.YAML)
	if view.YAML != "" && !strings.HasSuffix(view.YAML, "\n") {
		fmt.Fprintln(c.out)
	}
	// Warnings go to stderr, so stdout stays a compose file.
	warns := make([]core.Diagnostic, 0, len(view.Warnings))
	for _, d := range view.Warnings {
		if d.Severity == "" {
			d.Severity = core.SeverityWarning
		}
		warns = append(warns, d)
	}
	return render.Diagnostics(c.errOut, warns)
}
