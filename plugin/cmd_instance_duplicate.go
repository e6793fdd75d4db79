package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

func newInstanceDuplicateCommand(c *cli) *cobra.Command {
	var ports portChangeOptions
	cmd := &cobra.Command{
		Use:   "duplicate STACK SRC DST",
		Short: "Copy an instance with all its overrides (never its data volumes)",
		Long: `Copy an instance with all its overrides and its explicit wires as a consumer.

The copy never shares the source's data: a template's named volumes are scoped to
the instance (postgres-data becomes DST-postgres-data), and in a volumes override
copied from the source, volumes scoped to the source (SRC-x, or a template volume
kept under an older name by a rename) become DST-x; the output lists them. Other
named volumes and host paths are copied as they are. To share a volume on purpose,
set it with ` + "`instance set STACK DST --volume NAME:/path`" + `.

The copy publishes the source's host ports unless --port-offset N shifts them
(each must stay within 1..65535) or --no-ports drops them.

The copy's container name must not be another stack's.`,
		Args: exactArgs("STACK", "SRC", "DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceDuplicate(cmd.Context(), c, args[0], args[1], args[2], ports)
		},
	}
	ports.bind(cmd)
	return cmd
}

func runInstanceDuplicate(ctx context.Context, c *cli, stack, src, dst string, ports portChangeOptions) error {
	if err := ports.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	in, err := cl.DuplicateInstance(ctx, stack, src, api.NameRequest{Name: dst, PortOffset: ports.offset, NoPorts: ports.none})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Duplicated instance %s as %s.\n", src, in.Name)
	if len(in.RenamedVolumes) > 0 {
		var pairs []string
		for _, from := range slices.Sorted(maps.Keys(in.RenamedVolumes)) {
			pairs = append(pairs, from+" -> "+in.RenamedVolumes[from])
		}
		fmt.Fprintf(c.out, "The copy has its own volumes: %s.\n", strings.Join(pairs, ", "))
	}
	return nil
}
