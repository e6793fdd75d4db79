// Package apply runs the jobs that converge a stack on its runtime (apply)
// or remove it (destroy), rolling back what fails, and materializes the
// config files the containers mount.
package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// applyRun is one apply or destroy job (Params), with the secret values its
// output is scrubbed of.
type applyRun struct {
	job       api.Job
	stack     string
	rt        runtime.Runtime
	spec      runtime.Spec
	plan      plan.Plan                    // unredacted: Desired holds secret values
	saved     *store.SavedPlan             // the saved plan applied, or nil
	prev      *store.Applied               // last applied snapshot, or nil
	bound     *store.RuntimeBinding        // the runtime prev was applied with, or nil
	foreignOf map[string]runtime.Container // instance -> the foreign container named like it
	destroy   bool
	purge     bool
	secrets   []string // what the runtime's output is scrubbed of (a.rt does it)
	builds    map[string]core.BuildDigest
	// scope, when set, are the only instances the job holds (Params.Instances).
	scope map[string]bool
	// keepFailed leaves the containers of the instances that failed for
	// inspection; the rest rolls back.
	keepFailed bool
}

// putApplied records ap as the stack's applied snapshot. A scoped job
// (a.scope) records only its instances: it reads the snapshot as it is
// now, inside tx, and replaces their services and the wires they consume,
// keeping the other instances as they are there (another scoped apply may
// have committed them since this job's plan was made; the plan holds them
// as they were). A partial snapshot stays partial.
func (a *applyRun) putApplied(tx *store.Tx, ap store.Applied) error {
	if a.scope != nil {
		cur, err := tx.GetApplied(a.stack)
		switch {
		case err == nil:
			ap.Desired = plan.Mix(ap.Desired, &cur.Desired, a.scope)
			ap.Builds = mergeScoped(cur.Builds, ap.Builds, a.scope)
			ap.Images = mergeScoped(cur.Images, ap.Images, a.scope)
			if cur.Partial && !ap.Partial {
				ap.Partial, ap.Note = true, cur.Note
			}
		case store.IsNotFound(err):
			ap.Desired = plan.Mix(ap.Desired, nil, a.scope)
			ap.Builds = mergeScoped(nil, ap.Builds, a.scope)
			ap.Images = mergeScoped(nil, ap.Images, a.scope)
		default:
			return err
		}
	}
	return tx.PutApplied(a.stack, ap, BindingOf(a.spec))
}

// mergeScoped is cur (by instance) with the entries of the instances in
// scope taken from ours instead; nil when empty.
func mergeScoped[V any](cur, ours map[string]V, scope map[string]bool) map[string]V {
	var out map[string]V
	put := func(k string, v V) {
		if out == nil {
			out = map[string]V{}
		}
		out[k] = v
	}
	for k, v := range cur {
		if !scope[k] {
			put(k, v)
		}
	}
	for k, v := range ours {
		if scope[k] {
			put(k, v)
		}
	}
	return out
}

// runApply is the body of an apply or destroy job.
func (s *Runner) runApply(ctx context.Context, a *applyRun, emit func(instance, msg string)) (string, error) {
	if a.destroy {
		return s.runDestroy(ctx, a, emit)
	}
	d := a.plan.Desired
	if err := a.refuseForeign(); err != nil {
		return "", err
	}
	for _, c := range a.plan.Changes {
		emit(c.Instance, c.Word()+" "+c.Container)
	}
	if err := s.build(ctx, a.rt, a.stack, d, rebuilds(a.plan), emit); err != nil {
		return "", s.recoverApply(ctx, a, err, emit)
	}
	if perService(a.rt, d) {
		return s.runPerService(ctx, a, emit)
	}
	if err := s.leaveMode(ctx, a, emit); err != nil {
		return "", s.recoverApply(ctx, a, err, emit)
	}
	cs, err := s.converge(ctx, a.rt, a.stack, d, emit)
	if err != nil {
		return "", s.recoverApply(ctx, a, err, emit)
	}
	images, err := imageIDs(ctx, a.rt, a.stack, cs)
	if err != nil {
		return "", s.recoverApply(ctx, a, err, emit)
	}
	now := time.Now().UTC()
	err = s.Store.Update(func(tx *store.Tx) error {
		d, err := s.commitPending(tx, a, now)
		if err != nil {
			return err
		}
		if err := a.putApplied(tx, store.Applied{
			Desired: d, AppliedAt: now, JobID: a.job.ID, Builds: a.builds, Images: images,
		}); err != nil {
			return err
		}
		return markApplied(tx, a.saved, now)
	})
	if err != nil {
		return "", fmt.Errorf("containers are up but recording the applied snapshot failed: %w", err)
	}
	sum := a.plan.Summary
	msg := fmt.Sprintf("Apply complete: %d created, %d updated, %d replaced, %d deleted.",
		sum.Create, sum.Update, sum.Replace, sum.Delete)
	if n := len(a.plan.LeftOut); n > 0 {
		msg += fmt.Sprintf(" Targeted: %d pending change(s) left out; `plan %s` shows them.", n, a.stack)
	}
	return msg, nil
}

// refuseForeign fails the job, before anything is touched, when an enabled
// instance's container name is taken by a container without this stack's
// labels: one without devarch labels (the user's: remove or rename it) or
// one of another stack (never to be removed from here).
func (a *applyRun) refuseForeign() error {
	for _, svc := range a.plan.Desired.Services {
		c, ok := a.foreignOf[svc.Instance]
		if !svc.Enabled || !ok {
			continue
		}
		what := "remove or rename it"
		if other := c.Labels[core.LabelStack]; c.Managed() && other != "" {
			what = fmt.Sprintf("let stack %s remove it (apply or destroy that stack), "+
				"or rename this instance (`devarch instance rename %s %s NEW_NAME`)", other, a.stack, svc.Instance)
		}
		return &jobs.Failure{
			State:    api.JobFailed,
			Instance: svc.Instance,
			Err: fmt.Errorf("instance %s: a container named %s %s; %s",
				svc.Instance, c.Name, ForeignWhat(c), what),
		}
	}
	return nil
}

// ForeignWhat says whose a container named like one of ours is: another
// stack's (by its devarch labels), or nobody's we know.
func ForeignWhat(c runtime.Container) string {
	if other := c.Labels[core.LabelStack]; c.Managed() && other != "" {
		if inst := c.Instance(); inst != "" {
			return fmt.Sprintf("belongs to stack %q (instance %q)", other, inst)
		}
		return fmt.Sprintf("belongs to stack %q", other)
	}
	return "exists without devarch labels"
}

// converge makes the runtime run d: config files materialized, compose up
// for the stack's project (in per-service mode, each instance's project in
// startup order), then every enabled container running and healthy. It
// returns the stack's containers as the last check inspected them, or nil
// when it did not (per-service mode, nothing to run).
func (s *Runner) converge(ctx context.Context, rt runtime.Runtime, stack string, d core.Desired, emit func(instance, msg string)) ([]runtime.Container, error) {
	dir := s.FilesDir(stack)
	if err := materialize(dir, d); err != nil {
		return nil, fmt.Errorf("write config files: %w", err)
	}
	if perService(rt, d) {
		return nil, s.convergePerService(ctx, rt, d, emit)
	}
	yaml, err := ProjectFile(ctx, rt, d, dir)
	if err != nil {
		return nil, fmt.Errorf("generate compose project: %w", err)
	}
	emit("", upWord(rt)+core.ProjectName(stack))
	window := s.Timeouts.Up + s.Timeouts.verifyWindow(d.Services)
	upCtx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	if err := up(upCtx, rt, core.ProjectName(stack), yaml, dir, d, progressFunc(stack, d, emit)); err != nil {
		if ctx.Err() == nil && errors.Is(upCtx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("compose up %s did not finish within %s; a provider that never turns healthy keeps it waiting (see `devarch ps %s`)",
				core.ProjectName(stack), window, stack)
		}
		return nil, err
	}
	return s.verify(ctx, rt, d, emit)
}

// progressFunc turns runtime output lines into events, attributing a line
// to the instance whose container it names.
func progressFunc(stack string, d core.Desired, emit func(instance, msg string)) func(string) {
	type named struct{ instance, container string }
	var names []named
	for _, svc := range d.Services {
		names = append(names, named{svc.Instance, core.ContainerName(stack, svc.Instance)})
	}
	// Longest first, so devarch-s-db-replica is not taken for devarch-s-db.
	slices.SortFunc(names, func(a, b named) int { return cmp.Compare(len(b.container), len(a.container)) })
	return func(line string) {
		line = strings.TrimSpace(line)
		if line == "" {
			return
		}
		instance := ""
		for _, n := range names {
			if strings.Contains(line, n.container) {
				instance = n.instance
				break
			}
		}
		emit(instance, line)
	}
}

// describeFailure returns the instance a failure is about and its message,
// `instance api: port 8080 already allocated` for a compose error.
func describeFailure(err error, cancelled bool) (instance, msg string) {
	if cancelled {
		return "", "cancelled"
	}
	var ce *runtime.ComposeError
	if errors.As(err, &ce) {
		reason := strings.TrimSpace(ce.Reason)
		if reason == "" {
			reason = lastLine(ce.Stderr)
		}
		if ce.Instance != "" {
			return ce.Instance, "instance " + ce.Instance + ": " + reason
		}
		return "", "compose " + ce.Op + ": " + reason
	}
	var jf *jobs.Failure
	if errors.As(err, &jf) {
		return jf.Instance, jf.Err.Error()
	}
	return "", err.Error()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// recoverApply handles a failed or cancelled apply: it rolls back to the
// previous applied snapshot, or removes the half-created project when there
// is none, and records a partial snapshot if that fails too.
func (s *Runner) recoverApply(ctx context.Context, a *applyRun, cause error, emit func(instance, msg string)) error {
	cancelled := ctx.Err() != nil
	instance, msg := describeFailure(cause, cancelled)
	state := api.JobFailed
	if cancelled {
		state = api.JobCancelled
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Timeouts.Recover)
	defer cancel()

	if !cancelled {
		found := keepEvidence(rctx, a.rt, a.stack, failedInstances(rctx, a.rt, a.plan.Desired, instance), emit)
		if a.keepFailed && len(found) > 0 {
			return s.recoverKeeping(rctx, a, found, instance, msg, emit)
		}
	}
	if a.prev != nil {
		emit(instance, fmt.Sprintf("apply %s: %s; rolling back to the snapshot applied at %s",
			failedWord(cancelled), msg, a.prev.AppliedAt.UTC().Format(time.RFC3339)))
		_, rbErr := s.converge(rctx, a.rt, a.stack, a.prev.Desired, emit)
		if rbErr == nil {
			emit("", "rolled back to the previous applied snapshot")
			if !cancelled {
				state = api.JobRolledBack
			}
			return &jobs.Failure{State: state, Instance: instance, Err: errors.New(msg)}
		}
		_, rbMsg := describeFailure(rbErr, false)
		note := fmt.Sprintf("apply job %s failed (%s) and the rollback failed (%s); containers may be in a mixed state",
			a.job.ID, msg, rbMsg)
		prev := *a.prev
		prev.Partial, prev.Note = true, note
		s.putPartial(a.stack, prev, a.prevBinding())
		return &jobs.Failure{State: api.JobFailed, Instance: instance,
			Err: fmt.Errorf("%s; rollback to the previous snapshot failed: %s", msg, rbMsg)}
	}

	emit(instance, fmt.Sprintf("apply %s: %s; removing what it created", failedWord(cancelled), msg))
	project := core.ProjectName(a.stack)
	yaml, genErr := compose.Generate(a.plan.Desired, compose.Options{ShowSecrets: true, FilesDir: s.FilesDir(a.stack)})
	if genErr != nil {
		yaml = nil
	}
	downErr := a.rt.Down(rctx, project, yaml, false, progressFunc(a.stack, a.plan.Desired, emit))
	if downErr == nil {
		if err := RemoveFiles(s.FilesDir(a.stack)); err != nil {
			emit("", err.Error())
		}
		return &jobs.Failure{State: state, Instance: instance, Err: errors.New(msg)}
	}
	_, downMsg := describeFailure(downErr, false)
	note := fmt.Sprintf("apply job %s failed (%s) and removing the project failed (%s); containers may remain",
		a.job.ID, msg, downMsg)
	s.putPartial(a.stack, store.Applied{
		Desired: a.plan.Desired, AppliedAt: time.Now().UTC(), JobID: a.job.ID,
		Partial: true, Note: note,
	}, BindingOf(a.spec))
	return &jobs.Failure{State: api.JobFailed, Instance: instance,
		Err: fmt.Errorf("%s; removing the half-created project failed: %s", msg, downMsg)}
}

func failedWord(cancelled bool) string {
	if cancelled {
		return "cancelled"
	}
	return "failed"
}

// prevBinding is the runtime the previous snapshot keeps when it is
// recorded again as partial: the one it was applied with, or this job's
// when it was bound to none.
func (a *applyRun) prevBinding() store.RuntimeBinding {
	if a.bound != nil {
		return *a.bound
	}
	return BindingOf(a.spec)
}

func (s *Runner) putPartial(stack string, ap store.Applied, rt store.RuntimeBinding) {
	if err := s.Store.Update(func(tx *store.Tx) error { return tx.PutApplied(stack, ap, rt) }); err != nil {
		s.Log.Error("record partial snapshot", "stack", stack, "err", err)
	}
}

// commitPending stores the definition an import plan carries, with its
// serial bumped, and the templates it carries, and returns the desired
// state to record as applied. The stop of the instances the plan starts
// (apply --start) ends.
func (s *Runner) commitPending(tx *store.Tx, a *applyRun, now time.Time) (core.Desired, error) {
	d := a.plan.Desired
	if a.saved == nil || a.saved.Stack == nil {
		return d, endStops(tx, a.stack, a.plan.Starts)
	}
	st := *a.saved.Stack
	for i := range st.Instances {
		if slices.Contains(a.plan.Starts, st.Instances[i].Name) {
			st.Instances[i].Stopped = false
		}
	}
	cur, err := tx.GetStack(a.stack)
	switch {
	case err == nil:
		st.Serial = cur.Serial + 1
		st.Lineage = cur.Lineage
		st.CreatedAt = cur.CreatedAt
	case store.IsNotFound(err):
		st.Serial++
	default:
		return d, err
	}
	st.UpdatedAt = now
	// A compose re-import replaces the templates the stack owns.
	for _, t := range a.saved.Templates {
		if err := tx.PutTemplate(t); err != nil {
			return d, err
		}
	}
	if err := tx.PutStack(st); err != nil {
		return d, err
	}
	// Those of services the file no longer has go.
	if err := state.DropOwnedTemplates(tx, a.stack); err != nil {
		return d, err
	}
	d.Serial = st.Serial
	return d, nil
}

// markApplied stamps a saved plan as applied so it cannot be applied again.
func markApplied(tx *store.Tx, sp *store.SavedPlan, now time.Time) error {
	if sp == nil {
		return nil
	}
	done := *sp
	done.AppliedAt = &now
	done.Plan.AppliedAt = &now
	return tx.PutPlan(done)
}
