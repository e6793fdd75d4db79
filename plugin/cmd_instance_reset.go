package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newInstanceResetCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "reset STACK NAME FIELD...",
		Short: "Drop overrides so the template's values apply again",
		Long: "Drop overrides so the template's values apply again. FIELD is one of " +
			"command, compose, domains, entrypoint, env, exports, files, healthcheck, image, imports, labels, " +
			"ports, restart, tag, user, volumes; or env.KEY, labels.KEY, files./target for one entry.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 {
				return withHint(fmt.Errorf("%q takes STACK NAME FIELD..., got %d argument(s)", cmd.CommandPath(), len(args)),
					"see `"+cmd.CommandPath()+" --help`")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceReset(cmd.Context(), c, args[0], args[1], args[2:])
		},
	}
}

func runInstanceReset(ctx context.Context, c *cli, stack, name string, fields []string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.ResetInstance(ctx, stack, name, api.ResetRequest{Fields: fields})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Reset %s of instance %s.\n", strings.Join(fields, ", "), name)
	return render.Diagnostics(c.errOut, view.Warnings)
}
