package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newWiresCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "wires STACK",
		Short: "Show a stack's wiring: explicit and automatic wires, unresolved imports",
		Long: `Show a stack's wiring: explicit and automatic wires, unresolved imports.

The table (or, with --json, the JSON view) is printed either way.

` + wiringExitDoc,
		Args: exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWires(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runWires(ctx context.Context, c *cli, stack string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.Wires(ctx, stack)
	if err != nil {
		return err
	}
	if opts.json {
		if err := render.JSON(c.out, view); err != nil {
			return err
		}
		// stdout stays one JSON document; the errors also go to stderr,
		// so the exit status is never unexplained.
		if err := render.Diagnostics(c.errOut, wiringErrors(view.Diagnostics)); err != nil {
			return err
		}
		return wiringExit(view.Diagnostics)
	}
	if err := printWires(c, view); err != nil {
		return err
	}
	return wiringExit(view.Diagnostics)
}

func printWires(c *cli, view api.WiresView) error {
	if len(view.Wires) == 0 && len(view.Unresolved) == 0 {
		fmt.Fprintf(c.out, "Stack %s has no imports to wire.\n", view.Stack)
	}
	if len(view.Wires) > 0 {
		rows := make([][]string, 0, len(view.Wires))
		for _, w := range view.Wires {
			rows = append(rows, wireRow(w))
		}
		if err := render.Table(c.out, []string{"CONSUMER", "IMPORT", "TYPE", "PROVIDER", "EXPORT", "HOW"}, rows); err != nil {
			return err
		}
	}
	if len(view.Unresolved) > 0 {
		if len(view.Wires) > 0 {
			fmt.Fprintln(c.out)
		}
		rows := make([][]string, 0, len(view.Unresolved))
		for _, u := range view.Unresolved {
			rows = append(rows, unresolvedRow(u))
		}
		if err := render.Table(c.out, []string{"UNRESOLVED", "IMPORT", "TYPE", "REQUIRED"}, rows); err != nil {
			return err
		}
	}
	return render.Diagnostics(c.errOut, view.Diagnostics)
}

func wireRow(w core.ResolvedWire) []string {
	how := "explicit"
	if w.Auto {
		how = "auto"
	}
	return []string{w.Consumer, w.Import, string(w.Type), w.Provider, w.Export, how}
}

func unresolvedRow(u core.UnresolvedImport) []string {
	req := "required"
	if u.Optional {
		req = "optional"
	}
	return []string{u.Consumer, u.Import, string(u.Type), req}
}
