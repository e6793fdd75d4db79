package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newInstanceRenameCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "rename STACK OLD NEW",
		Short: "Rename an instance (it keeps its data volumes)",
		Long: `Rename an instance; its explicit wires follow it. The next apply replaces its
container devarch-STACK-OLD with devarch-STACK-NEW.

A template's named volumes are scoped to the instance (postgres-data of instance db
is db-postgres-data). So that a renamed instance keeps its data, a rename of an
instance without a volumes override pins its current volumes as its override
(db-postgres-data stays db-postgres-data) and says so. Volumes an instance sets
itself are kept as they are. Drop the pin with ` + "`instance reset STACK NEW volumes`" + `
to start on volumes scoped to the new name.

The new container name must not be another stack's: stack a-b instance c and stack
a instance b-c would both be devarch-a-b-c, and that is refused.`,
		Args: exactArgs("STACK", "OLD", "NEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceRename(cmd.Context(), c, args[0], args[1], args[2])
		},
	}
}

func runInstanceRename(ctx context.Context, c *cli, stack, oldName, newName string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	in, err := cl.RenameInstance(ctx, stack, oldName, newName)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Renamed instance %s to %s.\n", oldName, in.Name)
	if len(in.KeptVolumes) > 0 {
		fmt.Fprintf(c.out, "It kept volumes %s (pinned as its volumes override, so its data stays).\n",
			strings.Join(in.KeptVolumes, ", "))
	}
	return nil
}
