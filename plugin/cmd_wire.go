package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

// splitConsumer splits CONSUMER[.IMPORT].
func splitConsumer(s string) (consumer, imp string) {
	consumer, imp, _ = strings.Cut(s, ".")
	return consumer, imp
}

func newWireCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "wire STACK CONSUMER[.IMPORT] PROVIDER[.EXPORT]",
		Short: "Wire a consumer's import to a provider explicitly (explicit wires win over automatic ones)",
		Long: `Wire a consumer's import to a provider explicitly (explicit wires win over automatic ones).

PROVIDER.EXPORT names one of the provider's exports; it is required when the
provider has several exports of the import's contract type (devarch never
picks one silently), and may be left out otherwise.

The wire is stored and reported first.

` + wiringExitDoc,
		Args: exactArgs("STACK", "CONSUMER[.IMPORT]", "PROVIDER[.EXPORT]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			consumer, imp := splitConsumer(args[1])
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			provider, export := core.SplitProviderRef(args[2])
			view, err := cl.Wire(ctx, args[0], core.Wire{Consumer: consumer, Import: imp, Provider: provider, Export: export})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Wired %s to %s.\n", args[1], args[2])
			render.Diagnostics(c.errOut, view.Diagnostics)
			return wiringExit(view.Diagnostics)
		},
	}
}

func newUnwireCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "unwire STACK CONSUMER[.IMPORT]",
		Short: "Remove an explicit wire (automatic wiring applies again)",
		Long: `Remove an explicit wire (automatic wiring applies again).

The wire is removed and reported first.

` + wiringExitDoc,
		Args: exactArgs("STACK", "CONSUMER[.IMPORT]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			consumer, imp := splitConsumer(args[1])
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			view, err := cl.Unwire(ctx, args[0], consumer, imp)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Removed the explicit wire of %s.\n", args[1])
			render.Diagnostics(c.errOut, view.Diagnostics)
			return wiringExit(view.Diagnostics)
		},
	}
}

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
		render.JSON(c.out, view)
		// stdout stays one JSON document; the errors also go to stderr,
		// so the exit status is never unexplained.
		render.Diagnostics(c.errOut, wiringErrors(view.Diagnostics))
		return wiringExit(view.Diagnostics)
	}
	printWires(c, view)
	return wiringExit(view.Diagnostics)
}

// wiringExitDoc is the help text on the exit status of the wiring commands.
const wiringExitDoc = `The stack's wiring problems are printed on stderr as
"devarch: error: ..." and "devarch: warning: ..." lines. Like terraform validate,
the exit status is 1 when the wiring has errors that plan and apply would refuse
(an ambiguous import, a required import without a provider, a cycle, a wire to a
disabled instance), and 0 otherwise.`

// wiringErrors returns the error diagnostics of ds.
func wiringErrors(ds []core.Diagnostic) []core.Diagnostic {
	var out []core.Diagnostic
	for _, d := range ds {
		if d.Severity == core.SeverityError || d.Severity == "" {
			out = append(out, d)
		}
	}
	return out
}

// wiringExit is the outcome of wire, unwire and wires once the wiring and its
// diagnostics are printed: like `terraform validate`, exit status 1 when the
// stack's wiring has errors (plan and apply would refuse it), 0 when it has
// none, warnings or not. A wire or unwire is stored either way; its output
// says so first.
func wiringExit(ds []core.Diagnostic) error {
	if len(wiringErrors(ds)) > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func printWires(c *cli, view api.WiresView) {
	if len(view.Wires) == 0 && len(view.Unresolved) == 0 {
		fmt.Fprintf(c.out, "Stack %s has no imports to wire.\n", view.Stack)
	}
	if len(view.Wires) > 0 {
		rows := make([][]string, 0, len(view.Wires))
		for _, w := range view.Wires {
			rows = append(rows, wireRow(w))
		}
		render.Table(c.out, []string{"CONSUMER", "IMPORT", "TYPE", "PROVIDER", "EXPORT", "HOW"}, rows)
	}
	if len(view.Unresolved) > 0 {
		if len(view.Wires) > 0 {
			fmt.Fprintln(c.out)
		}
		rows := make([][]string, 0, len(view.Unresolved))
		for _, u := range view.Unresolved {
			rows = append(rows, unresolvedRow(u))
		}
		render.Table(c.out, []string{"UNRESOLVED", "IMPORT", "TYPE", "REQUIRED"}, rows)
	}
	render.Diagnostics(c.errOut, view.Diagnostics)
}

func newConfigCommand(c *cli) *cobra.Command {
	var opts struct {
		json        bool
		showSecrets bool
	}
	cmd := &cobra.Command{
		Use:   "config STACK",
		Short: "Print the stack's generated compose project",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			view, err := cl.Config(ctx, args[0], opts.showSecrets)
			if err != nil {
				return err
			}
			if opts.json {
				render.JSON(c.out, view)
				return nil
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
			render.Diagnostics(c.errOut, warns)
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.showSecrets, "show-secrets", false, "print secret values instead of "+core.Redacted)
	return cmd
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
