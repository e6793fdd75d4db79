package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

type logsOptions struct {
	follow     bool
	tail       int
	since      string
	timestamps bool
	noColor    bool
	json       bool
}

func newLogsCommand(c *cli) *cobra.Command {
	var opts logsOptions
	cmd := &cobra.Command{
		Use:   "logs STACK [INSTANCE]",
		Short: "Print the output of the stack's containers (secret values scrubbed)",
		Long: `Print the output of the stack's containers, each line after its instance's
name. On a terminal the names are aligned and coloured, one colour per instance
(--no-color or $NO_COLOR: plain); otherwise each line is "INSTANCE | LINE".`,
		Args: rangeArgs(1, 2, "STACK [INSTANCE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), c, args[0], optionalArg(args, 1), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.follow, "follow", "f", false, "keep printing new output")
	f.IntVar(&opts.tail, "tail", 0, "lines of history per container (0: all)")
	f.StringVar(&opts.since, "since", "", "only output since a duration ago (10m) or a time (2006-01-02T15:04:05Z)")
	f.BoolVarP(&opts.timestamps, "timestamps", "t", false, "start each line with its time")
	f.BoolVar(&opts.noColor, "no-color", false, "print instance names without colour")
	f.BoolVar(&opts.json, "json", false, "print one JSON object per line")
	return cmd
}

func runLogs(ctx context.Context, c *cli, stack, instance string, opts logsOptions) error {
	if opts.tail < 0 {
		return fieldErr("--tail", "must not be negative")
	}
	if opts.since != "" {
		if rule := api.CheckLogsSince(opts.since); rule != "" {
			return fieldErr("--since", rule)
		}
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(c.out)
	p := logPrinter{w: c.out}
	if isTerminal(c.out) {
		p.align, p.color = true, c.color() && !opts.noColor
		p.names = []string{instance}
		if instance == "" {
			p.names = nil
			if insts, err := cl.Instances(ctx, stack); err == nil {
				for _, in := range insts {
					p.names = append(p.names, in.Name)
				}
			}
		}
	}
	return cl.Logs(ctx, stack, client.LogsOptions{Runtime: spec, Instance: instance, Follow: opts.follow, Tail: opts.tail,
		Since: opts.since, Timestamps: opts.timestamps},
		func(l api.LogLine) error {
			if opts.json {
				return enc.Encode(l)
			}
			return p.print(l)
		})
}

// logColors are the ANSI colours of instance names, as docker compose
// cycles through them.
var logColors = []string{"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m", "\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m"}

// logPrinter prints log lines after their instance's name: "NAME | LINE",
// or on a terminal with the names padded to one width (align) and each in
// its own colour (color).
type logPrinter struct {
	w            io.Writer
	align, color bool
	names        []string // the instances known up front, sorted as they get colours
}

func (p *logPrinter) print(l api.LogLine) error {
	if !p.align {
		_, err := fmt.Fprintf(p.w, "%s | %s\n", l.Instance, l.Line)
		return err
	}
	if !slices.Contains(p.names, l.Instance) {
		p.names = append(p.names, l.Instance)
	}
	width := 0
	for _, n := range p.names {
		width = max(width, len(n))
	}
	prefix := l.Instance + strings.Repeat(" ", width-len(l.Instance)) + "  |"
	if p.color {
		prefix = logColors[slices.Index(p.names, l.Instance)%len(logColors)] + prefix + "\x1b[0m"
	}
	_, err := fmt.Fprintf(p.w, "%s %s\n", prefix, l.Line)
	return err
}
