package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

type stackSetOptions struct {
	description  string
	environment  string
	join         []string
	noJoin       bool
	composeMode  string
	endpointMode string
	// changed reports which flags were given.
	changed func(name string) bool
}

func newStackSetCommand(c *cli) *cobra.Command {
	var opts stackSetOptions
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a stack's description, environment, joined networks or compose mode",
		Long: `Change a stack's description, environment, joined networks or compose mode.

A stack is isolated: its containers resolve only each other. --join OTHER
makes its containers join OTHER's network as well (OTHER must be applied
first); --join replaces the list, --no-join empties it. The next apply
reconnects the containers.

--compose-mode stack (the default) runs the stack as one compose project;
per-service runs each instance as its own project, devarch-STACK-INSTANCE,
on the stack network devarch owns: applying or failing one instance never
recreates or rolls back another. Switching is a planned change: the next
apply recreates the containers once and keeps the volumes.
--endpoint-mode dnsrr (the default) or vip sets how a swarm resolves the
stack's services (vip needs IPVS in every node's kernel).`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackSet(cmd.Context(), c, args[0], opts)
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the stack is for")
	cmd.Flags().StringVar(&opts.environment, "environment", "", "environment label (dev, test, ...)")
	cmd.Flags().StringArrayVar(&opts.join, "join", nil, "join STACK's network as well; replaces the list (repeat)")
	cmd.Flags().BoolVar(&opts.noJoin, "no-join", false, "join no other stack's network")
	cmd.Flags().StringVar(&opts.composeMode, "compose-mode", "", "stack (one compose project) or per-service (one project per instance)")
	cmd.Flags().StringVar(&opts.endpointMode, "endpoint-mode", "", "on a swarm: dnsrr (DNS round robin) or vip (a virtual IP; needs IPVS)")
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
	if opts.changed("compose-mode") {
		if opts.composeMode == "" {
			return fieldErr("--compose-mode", fmt.Sprintf("is empty; want %s or %s", core.ComposeModeStack, core.ComposeModePerService))
		}
		if err := core.ValidateComposeMode("--compose-mode", opts.composeMode); err != nil {
			return err
		}
		req.ComposeMode = &opts.composeMode
	}
	if opts.changed("endpoint-mode") {
		if opts.endpointMode == "" {
			return fieldErr("--endpoint-mode", fmt.Sprintf("is empty; want %s or %s", core.EndpointDNSRR, core.EndpointVIP))
		}
		if err := core.ValidateEndpointMode("--endpoint-mode", opts.endpointMode); err != nil {
			return err
		}
		req.EndpointMode = &opts.endpointMode
	}
	if req == (api.StackSetRequest{}) {
		return withHint(fmt.Errorf("nothing to change"), "give --description, --environment, --join, --no-join, --compose-mode or --endpoint-mode")
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
