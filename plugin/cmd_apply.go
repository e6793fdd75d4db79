package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
	"github.com/devarch-dev/devarch/plugin/render"
)

type applyOptions struct {
	planID      string
	autoApprove bool
	detach      bool
	lockTimeout time.Duration
	destroy     bool
	purge       bool
}

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
	return cmd
}

func newDestroyCommand(c *cli) *cobra.Command {
	opts := applyOptions{destroy: true}
	cmd := &cobra.Command{
		Use:   "destroy STACK",
		Short: "Remove the stack's containers and network (the definition stays unless --purge)",
		Args:  exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApply(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().BoolVar(&opts.purge, "purge", false, "also remove the stack's definition")
	return cmd
}

// approvePrompt is the confirmation question apply and destroy ask.
const approvePrompt = "Do you want to perform these actions? Only 'yes' will be accepted: "

func runApply(ctx context.Context, c *cli, stack string, opts applyOptions) error {
	if opts.lockTimeout < 0 {
		return fieldErr("--lock-timeout", "must not be negative")
	}
	verb := "apply"
	if opts.destroy {
		verb = "destroy"
	}
	if opts.planID == "" && !opts.autoApprove && !isTerminal(c.in) {
		return withHint(fmt.Errorf("%s needs confirmation but stdin is not a terminal", verb),
			"review with `plan "+stack+"`, then run `"+verb+" "+stack+" --auto-approve`")
	}
	spec, err := c.RuntimeSpec()
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	req := api.ApplyRequest{Runtime: spec, PlanID: opts.planID, Destroy: opts.destroy, Purge: opts.purge,
		LockTimeout: core.Duration(opts.lockTimeout)}
	if opts.planID == "" {
		// The plan waits for the lock as the apply does: --lock-timeout 0
		// fails at once rather than after the daemon's default plan wait.
		p, err := cl.Plan(ctx, stack, api.PlanRequest{Runtime: spec, Save: true, Destroy: opts.destroy,
			LockTimeout: core.Duration(opts.lockTimeout), LockNoWait: opts.lockTimeout == 0})
		if err != nil {
			return err
		}
		render.Plan(c.out, p, c.color())
		if p.Empty() && !opts.purge {
			return nil
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
	if job.State.Done() {
		return jobResult(c, job)
	}
	if opts.detach {
		fmt.Fprintf(c.out, "Started %s job %s for stack %s.\nFollow it with: %s jobs attach %s\n",
			job.Operation, job.ID, stack, c.commandName(), job.ID)
		return nil
	}
	return followJob(ctx, c, cl, job.ID)
}

// confirm asks the approval question and reads one line.
func confirm(c *cli) (bool, error) {
	fmt.Fprint(c.out, "\n"+approvePrompt)
	line, err := bufio.NewReader(c.in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(c.out)
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

// followJob prints a job's events until its final one. The first Ctrl-C
// asks the daemon to cancel the job and keeps following; a second one stops
// following (the job goes on being cancelled).
func followJob(ctx context.Context, c *cli, cl *client.Client, id string) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	followCtx, stopFollowing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFollowing()
	done := make(chan struct{})
	defer close(done)
	go func() {
		cancelled := false
		for {
			select {
			case <-done:
				return
			case <-sigs:
				if cancelled {
					stopFollowing()
					return
				}
				cancelled = true
				fmt.Fprintf(c.errOut, "Cancelling job %s... (Ctrl-C again stops waiting; the job still ends cancelled)\n", id)
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				if _, err := cl.CancelJob(cctx, id); err != nil {
					render.Error(c.errOut, fmt.Errorf("cancel job %s: %w", id, err))
				}
				cancel()
			}
		}
	}()
	var last string
	err := cl.JobEvents(followCtx, id, true, func(ev api.Event) error {
		printEvent(c, ev)
		last = ev.Message
		return nil
	})
	if followCtx.Err() != nil {
		return withHint(fmt.Errorf("stopped following job %s", id), "see how it ended with `jobs attach "+id+"`")
	}
	if err != nil {
		return err
	}
	job, err := cl.Job(followCtx, id)
	if err != nil {
		return err
	}
	if !job.State.Done() {
		return withHint(fmt.Errorf("the event stream of job %s ended while it is %s", id, job.State),
			"follow it again with `jobs attach "+id+"`")
	}
	if job.State == api.JobSucceeded && job.Summary != "" && job.Summary == last {
		return nil // the final event already said it
	}
	return jobResult(c, job)
}

func printEvent(c *cli, ev api.Event) {
	if ev.Instance != "" {
		fmt.Fprintf(c.out, "%s: %s\n", ev.Instance, ev.Message)
		return
	}
	fmt.Fprintln(c.out, ev.Message)
}

// jobResult prints how a finished job ended; a job that did not succeed
// is an error naming the instance and the reason.
func jobResult(c *cli, job api.Job) error {
	if job.State == api.JobSucceeded {
		title := titleWord(job.Operation) + " complete"
		switch {
		case job.Summary == "":
			fmt.Fprintln(c.out, title+".")
		case strings.HasPrefix(strings.ToLower(job.Summary), strings.ToLower(job.Operation)), strings.HasPrefix(job.Summary, "No changes"):
			fmt.Fprintln(c.out, job.Summary)
		default:
			fmt.Fprintf(c.out, "%s: %s\n", title, job.Summary)
		}
		return nil
	}
	reason := job.Error
	if reason == "" {
		reason = "no reason recorded"
	}
	if job.Instance != "" && !strings.Contains(reason, "instance "+job.Instance) {
		reason = "instance " + job.Instance + ": " + reason
	}
	var what string
	switch job.State {
	case api.JobRolledBack:
		what = "failed and was rolled back to the previous applied state"
	case api.JobCancelled:
		what = "was cancelled"
	case api.JobInterrupted:
		what = "was interrupted (the daemon stopped while it ran)"
	default:
		what = "failed"
	}
	err := fmt.Errorf("%s of stack %s %s (job %s): %s", job.Operation, job.Stack, what, job.ID, reason)
	if job.State == api.JobCancelled && (job.Error == "" || strings.Contains(strings.ToLower(job.Error), "cancel")) {
		err = fmt.Errorf("%s of stack %s %s (job %s)", job.Operation, job.Stack, what, job.ID)
	}
	return withHint(err, "run `plan "+job.Stack+"` to see what is left to converge")
}

func titleWord(s string) string {
	if s == "" {
		return "Job"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
