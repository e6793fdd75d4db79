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

func newStackShowCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a stack's definition (secrets redacted)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackShow(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runStackShow(ctx context.Context, c *cli, name string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	st, err := cl.Stack(ctx, name)
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, st)
	}
	return printStack(c, st)
}

func printStack(c *cli, view api.StackView) error {
	st := view.Stack
	fmt.Fprintf(c.out, "Stack:       %s\n", st.Name)
	if st.Description != "" {
		fmt.Fprintf(c.out, "Description: %s\n", st.Description)
	}
	if st.Environment != "" {
		fmt.Fprintf(c.out, "Environment: %s\n", st.Environment)
	}
	fmt.Fprintf(c.out, "Project:     %s (network %s)\n", core.ProjectName(st.Name), core.NetworkName(st.Name))
	fmt.Fprintf(c.out, "Lineage:     %s\n", st.Lineage)
	fmt.Fprintf(c.out, "Serial:      %d\n", st.Serial)
	if len(st.JoinNetworks) > 0 {
		fmt.Fprintf(c.out, "Joins:       %s\n", strings.Join(st.JoinNetworks, ", "))
	}
	runtime := "not applied"
	if view.RuntimeKind != "" {
		runtime = view.RuntimeKind + " (its containers run there; commands without --runtime follow it)"
	}
	fmt.Fprintf(c.out, "Runtime:     %s\n", runtime)
	fmt.Fprintln(c.out)
	if len(st.Instances) == 0 {
		fmt.Fprintf(c.out, "No instances. Add one with `instance add %s NAME --template T`.\n", st.Name)
	} else {
		rows := make([][]string, 0, len(st.Instances))
		for _, in := range st.Instances {
			rows = append(rows, []string{in.Name, in.Template, enabledWord(in.Enabled), strings.Join(in.Overrides.Set(), ",")})
		}
		if err := render.Table(c.out, []string{"INSTANCE", "TEMPLATE", "STATE", "OVERRIDES"}, rows); err != nil {
			return err
		}
	}
	if len(st.Wires) > 0 {
		fmt.Fprintln(c.out)
		rows := make([][]string, 0, len(st.Wires))
		for _, w := range st.Wires {
			rows = append(rows, []string{w.Consumer + "." + w.Import, core.ProviderRef(w.Provider, w.Export)})
		}
		return render.Table(c.out, []string{"WIRE", "PROVIDER"}, rows)
	}
	return nil
}
