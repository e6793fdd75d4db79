package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newInstanceCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "instance",
		Aliases: []string{"instances"},
		Short:   "Manage a stack's instances",
	}
	cmd.AddCommand(
		newInstanceAddCommand(c), newInstanceLsCommand(c), newInstanceShowCommand(c),
		newInstanceSetCommand(c), newInstanceResetCommand(c), newInstanceRmCommand(c),
		newInstanceRenameCommand(c), newInstanceDuplicateCommand(c),
	)
	return cmd
}

type instanceAddOptions struct {
	template string
	disabled bool
}

func newInstanceAddCommand(c *cli) *cobra.Command {
	var opts instanceAddOptions
	cmd := &cobra.Command{
		Use:   "add STACK NAME --template T",
		Short: "Add an instance of a template to a stack",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			in, err := cl.AddInstance(ctx, args[0], api.InstanceAddRequest{Name: args[1], Template: opts.template, Disabled: opts.disabled})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Added instance %s (template %s) to stack %s.\n", in.Name, in.Template, args[0])
			return nil
		},
	}
	cmd.Flags().StringVarP(&opts.template, "template", "t", "", "template to instantiate")
	cmd.Flags().BoolVar(&opts.disabled, "disabled", false, "add the instance disabled (left out of the compose project)")
	_ = cmd.MarkFlagRequired("template")
	return cmd
}

func newInstanceLsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:     "ls STACK",
		Aliases: []string{"list"},
		Short:   "List a stack's instances",
		Args:    exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceLs(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runInstanceLs(ctx context.Context, c *cli, stack string, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	insts, err := cl.Instances(ctx, stack)
	if err != nil {
		return err
	}
	if opts.json {
		render.JSON(c.out, nonNil(insts))
		return nil
	}
	rows := make([][]string, 0, len(insts))
	for _, in := range insts {
		rows = append(rows, []string{in.Name, in.Template, enabledWord(in.Enabled), in.Image,
			strings.Join(in.Ports, ","), strings.Join(in.Overridden, ",")})
	}
	render.Table(c.out, []string{"NAME", "TEMPLATE", "STATE", "IMAGE", "PORTS", "OVERRIDES"}, rows)
	return nil
}

type instanceShowOptions struct {
	json      bool
	effective bool
}

func newInstanceShowCommand(c *cli) *cobra.Command {
	var opts instanceShowOptions
	cmd := &cobra.Command{
		Use:   "show STACK NAME",
		Short: "Show an instance's overrides (and with --effective its effective config; secrets redacted)",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			view, err := cl.Instance(ctx, args[0], args[1], opts.effective)
			if err != nil {
				return err
			}
			if opts.json {
				render.JSON(c.out, view)
				return nil
			}
			return printJSONAsYAML(c, view)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.effective, "effective", false, "include the effective config (template + overrides)")
	return cmd
}

// printJSONAsYAML prints v's JSON form as YAML, so human output uses the
// same field names as --json.
func printJSONAsYAML(c *cli, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return writeYAML(c.out, generic)
}

func newInstanceResetCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "reset STACK NAME FIELD...",
		Short: "Drop overrides so the template's values apply again",
		Long: "Drop overrides so the template's values apply again. FIELD is one of " +
			"command, compose, domains, entrypoint, env, exports, files, healthcheck, image, imports, labels, " +
			"ports, restart, tag, user, volumes; or env.KEY, labels.KEY, files./target for one entry.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 {
				return withHint(fmt.Errorf("%q takes STACK NAME FIELD..., got %d argument(s)", cmd.CommandPath(), len(args)),
					"see `"+cmd.CommandPath()+" --help`")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			if _, err := cl.ResetInstance(ctx, args[0], args[1], api.ResetRequest{Fields: args[2:]}); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Reset %s of instance %s.\n", strings.Join(args[2:], ", "), args[1])
			return nil
		},
	}
}

func newInstanceRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm STACK NAME",
		Aliases: []string{"remove"},
		Short:   "Remove an instance from a stack (apply removes its container)",
		Args:    exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			removed, err := cl.RemoveInstance(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Removed instance %s from stack %s.\n", args[1], args[0])
			render.Diagnostics(c.errOut, removed.Warnings)
			return nil
		},
	}
}

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
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			in, err := cl.RenameInstance(ctx, args[0], args[1], args[2])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Renamed instance %s to %s.\n", args[1], in.Name)
			if len(in.KeptVolumes) > 0 {
				fmt.Fprintf(c.out, "It kept volumes %s (pinned as its volumes override, so its data stays).\n",
					strings.Join(in.KeptVolumes, ", "))
			}
			return nil
		},
	}
}

func newInstanceDuplicateCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "duplicate STACK SRC DST",
		Short: "Copy an instance with all its overrides (never its data volumes)",
		Long: `Copy an instance with all its overrides and its explicit wires as a consumer.

The copy never shares the source's data: a template's named volumes are scoped to
the instance (postgres-data becomes DST-postgres-data), and in a volumes override
copied from the source, volumes scoped to the source (SRC-x, or a template volume
kept under an older name by a rename) become DST-x; the output lists them. Other
named volumes and host paths are copied as they are. To share a volume on purpose,
set it with ` + "`instance set STACK DST --volume NAME:/path`" + `.

The copy's container name must not be another stack's.`,
		Args: exactArgs("STACK", "SRC", "DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			in, err := cl.DuplicateInstance(ctx, args[0], args[1], args[2])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Duplicated instance %s as %s.\n", args[1], in.Name)
			if len(in.RenamedVolumes) > 0 {
				var pairs []string
				for _, from := range slices.Sorted(maps.Keys(in.RenamedVolumes)) {
					pairs = append(pairs, from+" -> "+in.RenamedVolumes[from])
				}
				fmt.Fprintf(c.out, "The copy has its own volumes: %s.\n", strings.Join(pairs, ", "))
			}
			return nil
		},
	}
}
