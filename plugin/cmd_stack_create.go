package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

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
			return runStackCreate(cmd.Context(), c, args[0], opts)
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the stack is for")
	cmd.Flags().StringVar(&opts.environment, "environment", "", "environment label (dev, test, ...)")
	cmd.Flags().StringArrayVar(&opts.join, "join", nil, "also join STACK's network, so this stack can reach its containers (repeat)")
	return cmd
}

func runStackCreate(ctx context.Context, c *cli, name string, opts stackCreateOptions) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	st, err := cl.CreateStack(ctx, api.StackCreateRequest{Name: name, Description: opts.description,
		Environment: opts.environment, JoinNetworks: opts.join})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Created stack %s.\n", st.Name)
	return nil
}
