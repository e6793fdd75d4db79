package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
	"github.com/devarch-dev/devarch/plugin/render"
)

// applyOptions are the flags of apply and destroy.
type applyOptions struct {
	planID      string
	autoApprove bool
	detach      bool
	lockTimeout time.Duration
	destroy     bool
	purge       bool
	// allowPrivileged consents to the privileges the plan grants.
	allowPrivileged bool
	targets         []string
	build           bool // rebuild every instance that builds
	pull            bool // pull the prebuilt images first
	start           bool // start the instances `stop` stopped
	keepFailed      bool // leave the failed containers for inspection
}

// bind defines the flags apply and destroy share.
func (o *applyOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.autoApprove, "auto-approve", false, "do not ask for confirmation")
	f.BoolVar(&o.detach, "detach", false, "start the job and print its ID without following it")
	f.DurationVar(&o.lockTimeout, "lock-timeout", 0, "how long to wait for the stack's lock (0: fail at once when held)")
}

func newApplyCommand(c *cli) *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply STACK",
		Short: "Converge the stack's containers to its definition",
		Long: "Without --plan, apply plans, shows the plan and asks before it runs it. " +
			"With --plan ID it applies that saved plan, refusing it when the stack changed since.",
		Args: exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApply(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().StringVar(&opts.planID, "plan", "", "apply the saved plan `ID` (from plan --save)")
	cmd.Flags().BoolVar(&opts.allowPrivileged, "allow-privileged", false,
		"grant the privileges the plan lists under \"grants\" (privileged, host namespaces, capabilities, devices, binds of / or an engine socket) without asking")
	cmd.Flags().Var(newTargetsValue(&opts.targets), "target", "apply only this `INSTANCE` (repeat or comma-separate); providers it needs that do not run yet come along")
	cmd.Flags().BoolVar(&opts.build, "build", false, "rebuild every instance that builds its image, whatever changed")
	cmd.Flags().BoolVar(&opts.start, "start", false, "start the instances devarch stop stopped, too (with --target, the targets only); without it apply leaves them stopped")
	cmd.Flags().BoolVar(&opts.keepFailed, "keep-failed", false,
		"leave the containers of the instances that fail for inspection (the rest still rolls back); logs STACK INSTANCE reads them, apply again or destroy removes them")
	cmd.Flags().BoolVar(&opts.pull, "pull", false, "pull the instances' prebuilt images first (each within 2m); the plan then replaces the ones that moved")
	return cmd
}

// approvePrompt is the confirmation question apply and destroy ask.
const approvePrompt = "Do you want to perform these actions? Only 'yes' will be accepted: "

// runApply runs apply, and destroy (opts.destroy).
func runApply(ctx context.Context, c *cli, stack string, opts applyOptions) error {
	if opts.lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	if opts.planID != "" && len(opts.targets) > 0 {
		return withHint(fmt.Errorf("--target and --plan exclude each other: a saved plan carries its own targets"),
			"make a targeted plan with `plan "+stack+" --target INSTANCE --save`, then apply it with --plan")
	}
	verb := "apply"
	if opts.destroy {
		verb = "destroy"
	}
	flags := " --auto-approve"
	if opts.purge {
		flags = " --purge --auto-approve"
	}
	if opts.planID == "" && !opts.autoApprove && !isTerminal(c.in) {
		// An unknown stack is not found, rather than a question that
		// could not be asked.
		if err := c.stackExists(ctx, stack); err != nil {
			return err
		}
		return withHint(fmt.Errorf("%s needs confirmation but stdin is not a terminal", verb),
			"review with `plan "+stack+"`, then run `"+verb+" "+stack+flags+"`")
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	if opts.planID != "" && opts.start {
		return withHint(fieldErr("--plan", "cannot be combined with --start: a saved plan holds what it starts"),
			"make the plan with `plan "+stack+" --save --start`")
	}
	if opts.planID != "" && (opts.build || opts.pull) {
		return withHint(fieldErr("--plan", "cannot be combined with --build or --pull: a saved plan holds what it builds"),
			"make the plan with `plan "+stack+" --save --build`, or pull first with `pull "+stack+"`")
	}
	if opts.pull {
		if err := runImages(ctx, c, "pull", stack, nil, imagesOptions{lockTimeout: opts.lockTimeout}); err != nil {
			return err
		}
	}
	req := api.ApplyRequest{Runtime: spec, PlanID: opts.planID, Destroy: opts.destroy, Purge: opts.purge,
		LockTimeout: core.Duration(opts.lockTimeout), AllowPrivileged: opts.allowPrivileged,
		KeepFailed: opts.keepFailed}
	if opts.planID == "" {
		// The plan waits for the lock as the apply does: --lock-timeout 0
		// fails at once rather than after the daemon's default plan wait.
		var sources map[string]string
		if !opts.destroy {
			if sources, err = fileSources(ctx, cl, stack); err != nil {
				return err
			}
		}
		p, err := cl.Plan(ctx, stack, api.PlanRequest{Runtime: spec, Save: true, Destroy: opts.destroy,
			LockTimeout: core.Duration(opts.lockTimeout), LockNoWait: opts.lockTimeout == 0, Targets: opts.targets, Build: opts.build, Start: opts.start,
			Sources: sources, NoDesired: true})
		if err != nil {
			return err
		}
		if err := render.Plan(c.out, p, c.color()); err != nil {
			return err
		}
		if p.Empty() && !opts.purge {
			return nil
		}
		if opts.purge {
			fmt.Fprintf(c.out, "\nWith --purge, the definition of stack %q and its named volumes (the data of its services) are removed too.\n", stack)
		}
		if !req.AllowPrivileged {
			if req.AllowPrivileged, err = consentToPrivileges(c, stack, p, opts.autoApprove, isTerminal(c.in)); err != nil {
				return err
			}
		}
		if !opts.autoApprove {
			ok, err := confirm(c)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%s cancelled", verb)
			}
		}
		req.PlanID = p.ID
	}
	job, err := cl.Apply(ctx, stack, req)
	if err != nil {
		return err
	}
	return awaitJob(ctx, c, cl, stack, job, opts.detach)
}

// privilegesPrompt is the question apply asks before granting privileges.
const privilegesPrompt = "Grant these privileges? Only 'yes' will be accepted: "

// consentToPrivileges asks for the user's consent when p grants
// privileges: it lists them and asks when stdin is a terminal
// (interactive); without one, or with --auto-approve (which approves the
// changes, not the privileges), it refuses with the flag that consents. It
// reports whether consent is given.
func consentToPrivileges(c *cli, stack string, p plan.View, autoApprove, interactive bool) (bool, error) {
	grants := plan.PrivilegesOf(p.Changes)
	if len(grants) == 0 {
		return false, nil
	}
	if autoApprove || !interactive {
		why := "stdin is not a terminal"
		if autoApprove {
			why = "--auto-approve approves the changes, not the privileges"
		}
		return false, withHint(fmt.Errorf("the plan grants privileges (%s) and %s", strings.Join(grants, "; "), why),
			"review them with `plan "+stack+"`, then run `apply "+stack+" --allow-privileged`")
	}
	fmt.Fprintf(c.out, "\nThese containers would get access to the host beyond an ordinary container's:\n")
	for _, g := range grants {
		fmt.Fprintf(c.out, "  ! %s\n", g)
	}
	fmt.Fprint(c.out, privilegesPrompt)
	line, err := readLine(c.in)
	if err != nil && line == "" {
		fmt.Fprintln(c.out)
	}
	if strings.TrimSpace(line) != "yes" {
		return false, errors.New("apply cancelled: the privileges were not granted")
	}
	return true, nil
}

// confirm asks the approval question and reads one line.
func confirm(c *cli) (bool, error) {
	fmt.Fprint(c.out, "\n"+approvePrompt)
	line, err := readLine(c.in)
	if err != nil && line == "" {
		fmt.Fprintln(c.out)
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

// stackExists is the daemon's not-found error when stack does not exist,
// and nil otherwise (any other failure is left to the call that follows).
func (c *cli) stackExists(ctx context.Context, stack string) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return nil
	}
	if _, err := cl.Stack(ctx, stack); client.IsNotFound(err) {
		return err
	}
	return nil
}

// readLine reads one line of r, byte by byte, so that nothing after it is
// consumed: apply may ask two questions on the same stdin.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return b.String(), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			return b.String(), err
		}
	}
}
