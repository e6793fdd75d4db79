package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
)

// jsonOption is the --json flag of the commands that have no other.
type jsonOption struct{ json bool }

func (o *jsonOption) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
}

// exactArgs is cobra.ExactArgs with the argument names in the message.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			var want string
			switch len(names) {
			case 0:
				want = "takes no arguments"
			case 1:
				want = "takes 1 argument (" + names[0] + ")"
			default:
				want = fmt.Sprintf("takes %d arguments (%s)", len(names), strings.Join(names, " "))
			}
			return withHint(fmt.Errorf("%q %s, got %d", cmd.CommandPath(), want, len(args)),
				"see `"+cmd.CommandPath()+" --help`")
		}
		return nil
	}
}

// rangeArgs accepts between min and max arguments.
func rangeArgs(min, max int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return withHint(fmt.Errorf("%q takes %s, got %d argument(s)", cmd.CommandPath(), usage, len(args)),
				"see `"+cmd.CommandPath()+" --help`")
		}
		return nil
	}
}

// minArgs is cobra.MinimumNArgs with the usage in the message.
func minArgs(min int, usage string) cobra.PositionalArgs {
	return rangeArgs(min, int(^uint(0)>>1), usage)
}

// optionalArg is args[i], or "" when the optional argument was left out.
func optionalArg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// fieldErr is bad command-line input.
func fieldErr(field, rule string) error { return core.Errf(field, rule) }

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func ptr[T any](v T) *T { return &v }
