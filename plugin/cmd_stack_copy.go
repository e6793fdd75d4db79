package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

// portChangeOptions are --port-offset and --no-ports of the copying commands.
type portChangeOptions struct {
	offset int
	none   bool
}

func (o *portChangeOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&o.offset, "port-offset", 0, "shift every published host port by N (the result must be within 1..65535)")
	f.BoolVar(&o.none, "no-ports", false, "publish no host ports in the copy")
	cmd.MarkFlagsMutuallyExclusive("port-offset", "no-ports")
}

func (o portChangeOptions) check() error {
	if o.none && o.offset != 0 {
		return fieldErr("--port-offset", "cannot be combined with --no-ports")
	}
	return nil
}

func newStackCopyCommand(c *cli) *cobra.Command {
	var ports portChangeOptions
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "copy SRC DST",
		Short: "Copy a stack's definition and secrets to a new stack",
		Long: `Copy a stack's definition (instances, overrides, wires, config files) and its
secret values to a new stack DST. The copy is made inside the daemon: secrets are
never shown or sent to devarch in plaintext. DST has its own identity and its own
volumes (compose scopes them to its project); nothing is applied until you apply it.

Two stacks publishing the same host port cannot run at once: --port-offset N shifts
every published host port of the copy by N (each must stay within 1..65535; the
error names the instance and port), --no-ports drops them.`,
		Args: exactArgs("SRC", "DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStackCopy(cmd.Context(), c, args[0], args[1], ports, opts)
		},
	}
	ports.bind(cmd)
	opts.bind(cmd)
	return cmd
}

func runStackCopy(ctx context.Context, c *cli, src, dst string, ports portChangeOptions, opts jsonOption) error {
	if err := ports.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	st, err := cl.CopyStack(ctx, src, api.StackCopyRequest{Name: dst, PortOffset: ports.offset, NoPorts: ports.none})
	if err != nil {
		return err
	}
	if opts.json {
		return render.JSON(c.out, st)
	}
	fmt.Fprintf(c.out, "Copied stack %s as %s (%d instances).\n", src, st.Name, len(st.Instances))
	switch {
	case ports.offset != 0:
		fmt.Fprintf(c.out, "Published host ports are shifted by %+d.\n", ports.offset)
	case ports.none:
		fmt.Fprintln(c.out, "The copy publishes no host ports.")
	}
	fmt.Fprintf(c.out, "Next: %s plan %s\n", c.commandName(), st.Name)
	return nil
}
