package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

type logsOptions struct {
	follow bool
	tail   int
	json   bool
}

func newLogsCommand(c *cli) *cobra.Command {
	var opts logsOptions
	cmd := &cobra.Command{
		Use:   "logs STACK [INSTANCE]",
		Short: "Print the output of the stack's containers (secret values scrubbed)",
		Args:  rangeArgs(1, 2, "STACK [INSTANCE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), c, args[0], optionalArg(args, 1), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.follow, "follow", "f", false, "keep printing new output")
	cmd.Flags().IntVar(&opts.tail, "tail", 0, "lines of history per container (0: all)")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print one JSON object per line")
	return cmd
}

func runLogs(ctx context.Context, c *cli, stack, instance string, opts logsOptions) error {
	if opts.tail < 0 {
		return fieldErr("--tail", "must not be negative")
	}
	spec, err := c.RuntimeSpec()
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(c.out)
	return cl.Logs(ctx, stack, client.LogsOptions{Runtime: spec, Instance: instance, Follow: opts.follow, Tail: opts.tail},
		func(l api.LogLine) error {
			if opts.json {
				return enc.Encode(l)
			}
			_, err := fmt.Fprintf(c.out, "%s | %s\n", l.Instance, l.Line)
			return err
		})
}
