package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// runDestroy removes the stack's project and snapshot (and with purge, its
// definition and saved plans).
func (s *Runner) runDestroy(ctx context.Context, a *applyRun, emit func(instance, msg string)) (string, error) {
	project := core.ProjectName(a.stack)
	dir := s.FilesDir(a.stack)
	var yaml []byte
	d := core.Desired{Stack: a.stack}
	if a.prev != nil {
		d = a.prev.Desired
		if y, err := compose.Generate(d, compose.Options{ShowSecrets: true, FilesDir: dir}); err == nil {
			yaml = y
		}
	}
	for _, c := range a.plan.Changes {
		emit(c.Instance, c.Action.Word()+" "+c.Container)
	}
	var hadVolumes []string
	if a.purge {
		// Listed first so the result can name what --volumes removes.
		hadVolumes, _ = stackVolumes(ctx, a.rt, a.stack)
		emit("", "compose down --volumes "+project)
	} else {
		emit("", "compose down "+project)
	}
	var err error
	if wasPerService(a.rt, a.prev) {
		err = s.destroyPerService(ctx, a, d, emit)
	} else {
		err = a.rt.Down(ctx, project, yaml, a.purge, progressFunc(a.stack, d, emit))
	}
	if err == nil {
		err = checkGone(ctx, a.rt, a.stack)
	}
	if err != nil {
		cancelled := ctx.Err() != nil
		instance, msg := describeFailure(err, cancelled)
		state := api.JobFailed
		if cancelled {
			state = api.JobCancelled
		}
		if a.prev != nil {
			prev := *a.prev
			prev.Partial = true
			prev.Note = fmt.Sprintf("destroy job %s %s: %s; containers may remain", a.job.ID, failedWord(cancelled), msg)
			s.putPartial(a.stack, prev, a.prevBinding())
		}
		return "", &jobs.Failure{State: state, Instance: instance, Err: errors.New(msg)}
	}
	// Plain destroy keeps the volumes (the data); purge removes them too.
	var volumes []string
	var volErr error
	if a.purge {
		volumes, volErr = removeVolumes(ctx, a.rt, a.stack, hadVolumes, emit)
	} else {
		volumes, _ = stackVolumes(ctx, a.rt, a.stack)
	}
	if err := RemoveFiles(dir); err != nil {
		emit("", err.Error())
	}
	now := time.Now().UTC()
	var joinedMeanwhile []string
	err = s.Store.Update(func(tx *store.Tx) error {
		if err := tx.DeleteApplied(a.stack); err != nil && !store.IsNotFound(err) {
			return err
		}
		if a.purge && volErr == nil {
			// A stack may have joined this one while the job ran (a join
			// takes the joiner's lock, not this one's): then the definition
			// stays, as stack rm would keep it.
			all, _, err := state.Joiners(tx, a.stack)
			if err != nil {
				return err
			}
			if joinedMeanwhile = all; len(all) > 0 {
				return markApplied(tx, a.saved, now)
			}
			return purgeStack(tx, a.stack)
		}
		return markApplied(tx, a.saved, now)
	})
	if err != nil {
		return "", fmt.Errorf("containers are removed but updating the store failed: %w", err)
	}
	if volErr != nil {
		return "", &jobs.Failure{State: api.JobFailed, Err: fmt.Errorf(
			"the containers and network of stack %q are removed, but not its volumes: %v; the stack's definition is kept: run `destroy %s --purge` again once nothing uses them",
			a.stack, volErr, a.stack)}
	}
	summary := fmt.Sprintf("Destroy complete: %d deleted.", a.plan.Summary.Delete)
	if a.purge && len(joinedMeanwhile) > 0 {
		return "", &jobs.Failure{State: api.JobFailed, Err: fmt.Errorf(
			"the containers and volumes of stack %q are removed, but its definition is kept: stack %s joined it meanwhile; `devarch stack set %s --no-join`, then `devarch stack rm %s`",
			a.stack, strings.Join(joinedMeanwhile, ", "), joinedMeanwhile[0], a.stack)}
	}
	if a.purge {
		return summary + purgedNote(a.stack, volumes) + s.removeBuiltImages(ctx, a.rt, d, emit), nil
	}
	if len(volumes) > 0 {
		// The snapshot that bound the stack to its runtime is gone: name the
		// runtime the volumes are on, or the purge would look elsewhere.
		on := ""
		if a.spec.Kind == runtime.KindPodman {
			on = " --runtime " + a.spec.Kind
		}
		summary += fmt.Sprintf(" Volumes kept: %s; `destroy %s --purge%s` removes them with the stack's definition.",
			strings.Join(volumes, ", "), a.stack, on)
	}
	return summary, nil
}

// stackVolumeLister is a runtime that finds the volumes devarch labelled
// as a stack's (runtime.Engine): those per-service mode's instance
// projects create.
type stackVolumeLister interface {
	StackVolumes(ctx context.Context, stack string) ([]string, error)
}

// stackVolumes lists stack's named volumes, sorted: those of its compose
// project devarch-{stack} (stack mode), and those of its instances'
// projects devarch-{stack}-{instance} (per-service mode, also after a
// switch back to stack mode, which keeps using them by name).
func stackVolumes(ctx context.Context, rt runtime.Runtime, stack string) ([]string, error) {
	vs, err := rt.Volumes(ctx, core.ProjectName(stack))
	if err != nil {
		return nil, err
	}
	inner := rt
	if s, ok := rt.(*scrubbingRuntime); ok {
		inner = s.Runtime
	}
	l, ok := inner.(stackVolumeLister)
	if !ok {
		return vs, nil
	}
	more, err := l.StackVolumes(ctx, stack)
	if err != nil {
		return nil, err
	}
	vs = append(vs, more...)
	slices.Sort(vs)
	return slices.Compact(vs), nil
}

// removeVolumes removes what is left of stack's named volumes after
// compose down --volumes (volumes no longer in the compose file, such as
// those of an instance removed since) and returns every volume of the
// stack now gone: had (listed before compose down) and those, sorted.
func removeVolumes(ctx context.Context, rt runtime.Runtime, stack string, had []string, emit func(instance, msg string)) ([]string, error) {
	left, err := stackVolumes(ctx, rt, stack)
	if err != nil {
		return nil, err
	}
	if len(left) > 0 {
		emit("", "remove volumes "+strings.Join(left, ", "))
		if err := rt.RemoveVolumes(ctx, left); err != nil {
			return nil, err
		}
	}
	gone := append(slices.Clone(had), left...)
	slices.Sort(gone)
	return slices.Compact(gone), nil
}

// purgedNote ends the result of a destroy --purge: the definition and the
// named volumes it removed.
func purgedNote(stack string, volumes []string) string {
	if len(volumes) == 0 {
		return fmt.Sprintf(" Stack %q removed; it had no volumes.", stack)
	}
	return fmt.Sprintf(" Stack %q removed, with its volumes %s.", stack, strings.Join(volumes, ", "))
}

// builtImages lists the images devarch built for d's instances (each
// with a build: its build.image, else DefaultBuildImage), sorted; the
// images an instance runs prebuilt are never among them.
func builtImages(d core.Desired) []string {
	var out []string
	for _, svc := range d.Services {
		if svc.Build == nil {
			continue
		}
		ref := svc.Build.Image
		if ref == "" {
			ref = svc.Image
		}
		if ref == "" {
			ref = core.DefaultBuildImage(d.Stack, svc.Instance)
		}
		out = append(out, ref)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// removeBuiltImages removes the images devarch built for the purged
// stack (d is its last applied state) and returns the note ending the
// purge's result: the images removed, or those kept and why. A failure
// keeps the purge done: the definition is gone already.
func (s *Runner) removeBuiltImages(ctx context.Context, rt runtime.Runtime, d core.Desired, emit func(instance, msg string)) string {
	refs := builtImages(d)
	if len(refs) == 0 {
		return ""
	}
	emit("", "remove images "+strings.Join(refs, ", "))
	removed, err := rt.RemoveImages(ctx, refs)
	note := ""
	if len(removed) > 0 {
		note = fmt.Sprintf(" Images it built removed: %s.", strings.Join(removed, ", "))
	}
	if err != nil {
		kept := slices.DeleteFunc(slices.Clone(refs), func(r string) bool { return slices.Contains(removed, r) })
		note += fmt.Sprintf(" Images it built kept: %s: %v; remove them once nothing uses them.", strings.Join(kept, ", "), err)
	}
	return note
}

// checkGone fails when containers of the stack remain after compose down.
func checkGone(ctx context.Context, rt runtime.Runtime, stack string) error {
	cs, err := rt.Containers(ctx, stack)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	if len(cs) == 0 {
		return nil
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	slices.Sort(names)
	return &jobs.Failure{Instance: cs[0].Instance(),
		Err: fmt.Errorf("containers still present after compose down: %s", strings.Join(names, ", "))}
}

// purgeStack removes a stack's definition and saved plans, and the
// templates its import-compose created that no other stack uses.
func purgeStack(tx *store.Tx, stack string) error {
	if err := tx.DeleteStack(stack); err != nil && !store.IsNotFound(err) {
		return err
	}
	if err := tx.DeletePlansForStack(stack); err != nil {
		return err
	}
	return state.DropOwnedTemplates(tx, stack)
}
