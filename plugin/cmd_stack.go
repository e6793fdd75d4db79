package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newStackCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "stack",
		Aliases: []string{"stacks"},
		Short:   "Manage stacks",
	}
	cmd.AddCommand(newStackCreateCommand(c), newStackSetCommand(c), newStackLsCommand(c), newStackShowCommand(c), newStackRmCommand(c))
	return cmd
}

type stackCreateOptions struct {
	description string
	environment string
	join        []string
}

func newStackCreateCommand(c *cli) *cobra.Command {
	var opts stackCreateOptions
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an empty stack",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			st, err := cl.CreateStack(ctx, api.StackCreateRequest{Name: args[0], Description: opts.description,
				Environment: opts.environment, JoinNetworks: opts.join})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Created stack %s.\n", st.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the stack is for")
	cmd.Flags().StringVar(&opts.environment, "environment", "", "environment label (dev, test, ...)")
	cmd.Flags().StringArrayVar(&opts.join, "join", nil, "also join STACK's network, so this stack can reach its containers (repeat)")
	return cmd
}

func newStackSetCommand(c *cli) *cobra.Command {
	var (
		opts   stackCreateOptions
		noJoin bool
	)
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a stack's description, environment or joined networks",
		Long: `Change a stack's description, environment or joined networks.

A stack is isolated: its containers resolve only each other. --join OTHER
makes its containers join OTHER's network as well (OTHER must be applied
first); --join replaces the list, --no-join empties it. The next apply
reconnects the containers.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var req api.StackSetRequest
			f := cmd.Flags()
			if f.Changed("description") {
				req.Description = &opts.description
			}
			if f.Changed("environment") {
				req.Environment = &opts.environment
			}
			switch {
			case noJoin && f.Changed("join"):
				return withHint(fmt.Errorf("--join and --no-join exclude each other"), "give the stacks to join, or --no-join to join none")
			case noJoin:
				req.JoinNetworks = &[]string{}
			case f.Changed("join"):
				req.JoinNetworks = &opts.join
			}
			if req == (api.StackSetRequest{}) {
				return withHint(fmt.Errorf("nothing to change"), "give --description, --environment, --join or --no-join")
			}
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			st, err := cl.SetStack(ctx, args[0], req)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Changed stack %s (serial %d).\n", st.Name, st.Serial)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the stack is for")
	cmd.Flags().StringVar(&opts.environment, "environment", "", "environment label (dev, test, ...)")
	cmd.Flags().StringArrayVar(&opts.join, "join", nil, "join STACK's network as well; replaces the list (repeat)")
	cmd.Flags().BoolVar(&noJoin, "no-join", false, "join no other stack's network")
	return cmd
}

func newStackLsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List stacks",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackLs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runStackLs(ctx context.Context, c *cli, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	stacks, err := cl.Stacks(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		render.JSON(c.out, nonNil(stacks))
		return nil
	}
	rows := make([][]string, 0, len(stacks))
	for _, s := range stacks {
		applied := "never"
		if s.AppliedAt != nil {
			applied = fmt.Sprintf("%s (serial %d)", s.AppliedAt.Local().Format(time.RFC3339), s.AppliedSerial)
		}
		rows = append(rows, []string{s.Name, fmt.Sprint(s.Instances), s.Environment, fmt.Sprint(s.Serial), applied, s.Description})
	}
	render.Table(c.out, []string{"NAME", "INSTANCES", "ENVIRONMENT", "SERIAL", "APPLIED", "DESCRIPTION"}, rows)
	return nil
}

func newStackShowCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a stack's definition (secrets redacted)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			st, err := cl.Stack(ctx, args[0])
			if err != nil {
				return err
			}
			if opts.json {
				render.JSON(c.out, st)
				return nil
			}
			printStack(c, st)
			return nil
		},
	}
	opts.bind(cmd)
	return cmd
}

func printStack(c *cli, st core.Stack) {
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
	fmt.Fprintln(c.out)
	if len(st.Instances) == 0 {
		fmt.Fprintf(c.out, "No instances. Add one with `instance add %s NAME --template T`.\n", st.Name)
	} else {
		rows := make([][]string, 0, len(st.Instances))
		for _, in := range st.Instances {
			rows = append(rows, []string{in.Name, in.Template, enabledWord(in.Enabled), strings.Join(in.Overrides.Set(), ",")})
		}
		render.Table(c.out, []string{"INSTANCE", "TEMPLATE", "STATE", "OVERRIDES"}, rows)
	}
	if len(st.Wires) > 0 {
		fmt.Fprintln(c.out)
		rows := make([][]string, 0, len(st.Wires))
		for _, w := range st.Wires {
			rows = append(rows, []string{w.Consumer + "." + w.Import, core.ProviderRef(w.Provider, w.Export)})
		}
		render.Table(c.out, []string{"WIRE", "PROVIDER"}, rows)
	}
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

func newStackRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a stack's definition (run `destroy` first to remove its containers)",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			if err := cl.RemoveStack(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Removed stack %s.\n", args[0])
			return nil
		},
	}
}
