package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

type stackSetOptions struct {
	description string
	environment string
	join        []string
	noJoin      bool
	// changed reports which flags were given.
	changed func(name string) bool
}

func newStackSetCommand(c *cli) *cobra.Command {
	var opts stackSetOptions
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
			return runStackSet(cmd.Context(), c, args[0], opts)
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the stack is for")
	cmd.Flags().StringVar(&opts.environment, "environment", "", "environment label (dev, test, ...)")
	cmd.Flags().StringArrayVar(&opts.join, "join", nil, "join STACK's network as well; replaces the list (repeat)")
	cmd.Flags().BoolVar(&opts.noJoin, "no-join", false, "join no other stack's network")
	opts.changed = cmd.Flags().Changed
	return cmd
}

func runStackSet(ctx context.Context, c *cli, name string, opts stackSetOptions) error {
	var req api.StackSetRequest
	if opts.changed("description") {
		req.Description = &opts.description
	}
	if opts.changed("environment") {
		req.Environment = &opts.environment
	}
	switch {
	case opts.noJoin && opts.changed("join"):
		return withHint(fmt.Errorf("--join and --no-join exclude each other"), "give the stacks to join, or --no-join to join none")
	case opts.noJoin:
		req.JoinNetworks = &[]string{}
	case opts.changed("join"):
		req.JoinNetworks = &opts.join
	}
	if req == (api.StackSetRequest{}) {
		return withHint(fmt.Errorf("nothing to change"), "give --description, --environment, --join or --no-join")
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	st, err := cl.SetStack(ctx, name, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Changed stack %s (serial %d).\n", st.Name, st.Serial)
	return nil
}
