package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

type upOptions struct {
	importOptions
	apply applyOptions
}

func newUpCommand(c *cli) *cobra.Command {
	var opts upOptions
	cmd := &cobra.Command{
		Use:   "up [FILE]",
		Short: "Import a devarch.yml, then plan and apply its stack in one command",
		Long: `Bring a project's stack up from its devarch.yml: import the file (FILE, or
the devarch.yml of the current directory or a parent), then plan, ask and
apply, as import and apply do one after the other.

A stack the file names that does not exist yet is created, then applied.
Over an existing stack the file's changes are planned together with what
its containers need; the plan is shown and applied once you confirm. When
the stack already matches the file, up converges its containers (after a
down, it starts them again).`,
		Args: rangeArgs(0, 1, "[FILE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), c, optionalArg(args, 0), opts)
		},
	}
	opts.importOptions.bind(cmd.Flags())
	opts.apply.bind(cmd)
	opts.planTTL = defaultPlanTTL
	return cmd
}

func runUp(ctx context.Context, c *cli, file string, opts upOptions) error {
	if file == "" {
		wd, err := c.workDir()
		if err != nil {
			return fmt.Errorf("find devarch.yml: %w", err)
		}
		path, found, err := findDevfile(wd)
		if err != nil {
			return err
		}
		if !found {
			return withHint(fmt.Errorf("no devarch.yml in %s or a parent directory", wd),
				"give the file: `up FILE`, or write one with `export STACK -o devarch.yml`")
		}
		file = path
	}
	if !opts.apply.autoApprove && !isTerminal(c.in) {
		return withHint(fmt.Errorf("up needs confirmation but stdin is not a terminal"),
			"review with `import "+file+"` and `plan`, or run `up --auto-approve`")
	}
	if opts.apply.lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	opts.apply.allowPrivileged = opts.importOptions.allowPrivileged
	res, err := importFile(ctx, c, file, opts.importOptions)
	if err != nil {
		return err
	}
	if err := render.Diagnostics(c.errOut, warnings(res.Warnings)); err != nil {
		return err
	}
	switch {
	case res.Created:
		fmt.Fprintf(c.out, "Created stack %q from %s.\n\n", res.Stack, file)
	case res.PlanID != "":
		return applyImportPlan(ctx, c, res, opts.apply)
	}
	return runApply(ctx, c, res.Stack, opts.apply)
}

// applyImportPlan shows the plan an import over an existing stack saved,
// asks, and applies exactly it (the file's definition with it).
func applyImportPlan(ctx context.Context, c *cli, res api.ImportResult, opts applyOptions) error {
	if res.Plan != nil {
		if err := render.Plan(c.out, *res.Plan, c.color()); err != nil {
			return err
		}
		if !opts.allowPrivileged {
			allow, err := consentToPrivileges(c, res.Stack, *res.Plan, opts.autoApprove, isTerminal(c.in))
			if err != nil {
				return err
			}
			opts.allowPrivileged = allow
		}
		if !res.Plan.Empty() && !opts.autoApprove {
			ok, err := confirm(c)
			if err != nil {
				return err
			}
			if !ok {
				return withHint(fmt.Errorf("up cancelled"),
					fmt.Sprintf("the plan stays saved until it expires: `apply %s --plan %s`", res.Stack, res.PlanID))
			}
		}
	}
	opts.planID = res.PlanID
	return runApply(ctx, c, res.Stack, opts)
}
