package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
	"github.com/devarch-dev/devarch/plugin/render"
)

// awaitJob ends a command that started job: the result of a job that
// already ended, the job's id with how to follow it (detach), or the job
// followed to its end.
func awaitJob(ctx context.Context, c *cli, cl *client.Client, stack string, job api.Job, detach bool) error {
	if job.State.Done() {
		return jobResult(c, job)
	}
	if detach {
		fmt.Fprintf(c.out, "Started %s job %s for stack %s.\nFollow it with: %s jobs attach %s\n",
			job.Operation, job.ID, stack, c.commandName(), job.ID)
		return nil
	}
	return followJob(ctx, c, cl, job.ID)
}

// followJob prints a job's events until its final one: on a terminal one
// line per instance redrawn in place, plain lines otherwise (eventView). The first Ctrl-C
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
	view := newEventView(c.out, isTerminal(c.out), terminalWidth(c.out))
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				view.tick()
			}
		}
	}()
	err := cl.JobEvents(followCtx, id, true, func(ev api.Event) error {
		view.event(ev)
		last = ev.Message
		return nil
	})
	view.finish()
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
