package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// networkOwner is a runtime that creates and removes networks itself
// (runtime.Engine): per-service mode's stack network is devarch's.
type networkOwner interface {
	EnsureNetwork(ctx context.Context, name string, labels map[string]string) error
	RemoveNetwork(ctx context.Context, name string) error
}

func networkOwnerOf(rt runtime.Runtime) (networkOwner, error) {
	if s, ok := rt.(*scrubbingRuntime); ok {
		rt = s.Runtime
	}
	if n, ok := rt.(networkOwner); ok {
		return n, nil
	}
	return nil, fmt.Errorf("runtime %s cannot create networks: per-service mode needs docker or podman", rt.Kind())
}

// perService reports whether d runs in per-service mode on rt: one compose
// project per instance (a swarm deploys one stack in either mode).
func perService(rt runtime.Runtime, d core.Desired) bool {
	return rt.Kind() != runtime.KindSwarm && core.EffectiveComposeMode(d.ComposeMode) == core.ComposeModePerService
}

// wasPerService reports whether the snapshot prev ran in per-service mode.
func wasPerService(rt runtime.Runtime, prev *store.Applied) bool {
	return prev != nil && perService(rt, prev.Desired)
}

// leaveMode takes down what the previous snapshot ran in the other compose
// mode, volumes kept (their names are the same in both modes): the stack's
// project, or each instance's project and the network devarch created.
func (s *Runner) leaveMode(ctx context.Context, a *applyRun, emit func(instance, msg string)) error {
	if a.prev == nil || perService(a.rt, a.prev.Desired) == perService(a.rt, a.plan.Desired) {
		return nil
	}
	prev := a.prev.Desired
	if !perService(a.rt, prev) {
		emit("", "compose down "+core.ProjectName(a.stack)+" (switching to per-service mode)")
		return a.rt.Down(ctx, core.ProjectName(a.stack), nil, false, progressFunc(a.stack, prev, emit))
	}
	emit("", "compose down of each instance's project (switching to stack mode)")
	return s.downInstances(ctx, a.rt, a.stack, prev, instancesOf(prev), true, false, emit)
}

// downInstances takes down the per-service projects of instances, and the
// stack network when dropNet is set; with volumes, the projects' volumes
// go too.
func (s *Runner) downInstances(ctx context.Context, rt runtime.Runtime, stack string, d core.Desired, instances []string, dropNet, volumes bool, emit func(instance, msg string)) error {
	for _, inst := range instances {
		project := core.InstanceProjectName(stack, inst)
		emit(inst, "compose down "+project)
		if err := rt.Down(ctx, project, nil, volumes, progressFunc(stack, d, emit)); err != nil {
			return err
		}
	}
	if !dropNet {
		return nil
	}
	no, err := networkOwnerOf(rt)
	if err != nil {
		return err
	}
	return no.RemoveNetwork(ctx, core.NetworkName(stack))
}

// ensureNetwork creates d's stack network unless it exists, one job at a
// time (Runner.netMu).
func (s *Runner) ensureNetwork(ctx context.Context, no networkOwner, d core.Desired) error {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return no.EnsureNetwork(ctx, core.NetworkName(d.Stack), compose.NetworkLabels(d))
}

func instancesOf(d core.Desired) []string {
	var out []string
	for _, svc := range d.Services {
		out = append(out, svc.Instance)
	}
	return out
}

// upInstance brings up one instance's project of d and waits for it.
func (s *Runner) upInstance(ctx context.Context, rt runtime.Runtime, d core.Desired, p compose.InstanceProject, emit func(instance, msg string)) error {
	dir := s.FilesDir(d.Stack)
	emit(p.Instance, "compose up "+p.Name)
	svc, _ := d.Service(p.Instance)
	one := d
	one.Services = []core.WiredService{*svc}
	window := s.Timeouts.Up + s.Timeouts.verifyWindow(one.Services)
	upCtx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	if err := up(upCtx, rt, p.Name, p.YAML, dir, one, progressFunc(d.Stack, d, emit)); err != nil {
		if ctx.Err() == nil && errors.Is(upCtx.Err(), context.DeadlineExceeded) {
			return &jobs.Failure{Instance: p.Instance, Err: fmt.Errorf("instance %s: compose up %s did not finish within %s", p.Instance, p.Name, window)}
		}
		var ce *runtime.ComposeError
		if errors.As(err, &ce) && ce.Instance == "" {
			c := *ce
			c.Instance = p.Instance
			return &c
		}
		return err
	}
	_, err := s.verify(ctx, rt, one, emit)
	return err
}

// runPerService applies a plan in per-service mode: the stack network
// ensured, each changed instance's project brought up in startup order
// and each removed one's taken down. An instance that fails is rolled
// back alone (to its previous project, or removed when it had none); an
// instance that depends on it is not brought up; every other instance is
// applied. The snapshot records what runs then.
func (s *Runner) runPerService(ctx context.Context, a *applyRun, emit func(instance, msg string)) (string, error) {
	d := a.plan.Desired
	dir := s.FilesDir(a.stack)
	if err := s.leaveMode(ctx, a, emit); err != nil {
		return "", s.recoverApply(ctx, a, err, emit)
	}
	if err := a.materialize(dir, d); err != nil {
		return "", fmt.Errorf("write config files: %w", err)
	}
	projects, err := compose.GeneratePerService(d, compose.Options{ShowSecrets: true, FilesDir: dir})
	if err != nil {
		return "", fmt.Errorf("generate compose projects: %w", err)
	}
	no, err := networkOwnerOf(a.rt)
	if err != nil {
		return "", err
	}
	if len(projects) > 0 {
		if err := s.ensureNetwork(ctx, no, d); err != nil {
			return "", err
		}
	}
	changed := map[string]plan.Action{}
	for _, c := range a.plan.Changes {
		changed[c.Instance] = c.Action
	}
	done := map[string]bool{}   // applied as desired
	failed := map[string]bool{} // failed, or not brought up as a provider failed
	kept := map[string]bool{}   // failed and left as they are (--keep-failed)
	var firstErr error
	var firstInst string
	for _, p := range projects {
		if _, ok := changed[p.Instance]; !ok {
			continue
		}
		svc, _ := d.Service(p.Instance)
		if dep := failedDependency(svc, failed); dep != "" {
			failed[p.Instance] = true
			emit(p.Instance, fmt.Sprintf("not brought up: it depends on %s, which failed", dep))
			continue
		}
		if err := s.upInstance(ctx, a.rt, d, p, emit); err != nil {
			failed[p.Instance] = true
			if ctx.Err() == nil {
				found := keepEvidence(context.WithoutCancel(ctx), a.rt, a.stack, []string{p.Instance}, emit)
				if a.keepFailed && len(found) > 0 {
					kept[p.Instance] = true
				}
			}
			if firstErr == nil {
				firstErr, firstInst = err, p.Instance
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		done[p.Instance] = true
	}
	for _, inst := range slices.Sorted(maps.Keys(changed)) {
		if changed[inst] != plan.Delete || ctx.Err() != nil {
			continue
		}
		if err := s.downInstances(ctx, a.rt, a.stack, d, []string{inst}, false, false, emit); err != nil {
			failed[inst] = true
			if firstErr == nil {
				firstErr, firstInst = err, inst
			}
			continue
		}
		done[inst] = true
	}
	switch {
	case len(projects) > 0 || firstErr != nil:
	case a.scope != nil:
		// An apply of other instances may be about to attach to it.
		emit("", "network "+core.NetworkName(a.stack)+" kept: other instances may be applied beside this targeted apply; `destroy "+a.stack+"` removes it")
	default:
		if err := no.RemoveNetwork(ctx, core.NetworkName(a.stack)); err != nil {
			emit("", err.Error())
		}
	}

	var prev *core.Desired
	if a.prev != nil {
		prev = &a.prev.Desired
	}
	ran := d
	if firstErr != nil {
		ran = plan.Mix(d, prev, done)
	}
	state, failMsg := api.JobSucceeded, ""
	if firstErr != nil {
		cancelled := ctx.Err() != nil
		inst, msg := describeFailure(firstErr, cancelled)
		if inst == "" {
			inst = firstInst
		}
		state = api.JobRolledBack
		if cancelled {
			state = api.JobCancelled
		}
		failMsg = msg
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Timeouts.Recover)
		defer cancel()
		rollback := maps.Clone(failed)
		maps.DeleteFunc(rollback, func(inst string, _ bool) bool { return kept[inst] })
		if rbErr := s.rollbackInstances(rctx, a, ran, rollback, emit); rbErr != nil {
			_, rbMsg := describeFailure(rbErr, false)
			failMsg = fmt.Sprintf("%s; rolling back failed: %s", msg, rbMsg)
			state = api.JobFailed
		}
		firstInst = inst
	}
	// Image IDs of what runs now, as the stack-mode apply records them, so
	// the next plan sees an image that moves behind its tag.
	images, imgErr := imageIDs(ctx, a.rt, a.stack, nil)
	if imgErr != nil {
		emit("", "reading image IDs: "+imgErr.Error())
	}
	now := time.Now().UTC()
	err = s.Store.Update(func(tx *store.Tx) error {
		rec := ran
		if firstErr == nil {
			var err error
			if rec, err = s.commitPending(tx, a, now); err != nil {
				return err
			}
		}
		ap := store.Applied{Desired: rec, AppliedAt: now, JobID: a.job.ID,
			Builds: appliedBuilds(a, firstErr == nil, done), Images: images}
		if state == api.JobFailed {
			ap.Partial, ap.Note = true, "apply job "+a.job.ID+": "+failMsg
		}
		if err := a.putApplied(tx, ap); err != nil {
			return err
		}
		return markApplied(tx, a.saved, now)
	})
	if err != nil {
		return "", fmt.Errorf("recording the applied snapshot failed: %w", err)
	}
	if firstErr != nil {
		var others []string
		for _, inst := range slices.Sorted(maps.Keys(done)) {
			others = append(others, inst)
		}
		note := "; no other instance was changed"
		if len(others) > 0 {
			note = "; applied: " + strings.Join(others, ", ")
		}
		var back []string
		for _, inst := range slices.Sorted(maps.Keys(failed)) {
			if !kept[inst] {
				back = append(back, inst)
			}
		}
		if len(back) > 0 {
			emit(firstInst, "rolled back the failed instance(s) "+strings.Join(back, ", ")+note)
		} else {
			emit(firstInst, "rolled back no instance: the failed one(s) are kept"+note)
		}
		if len(kept) > 0 {
			emit("", keptHint(a.stack, slices.Sorted(maps.Keys(kept))))
		}
		return "", &jobs.Failure{State: state, Instance: firstInst, Err: errors.New(failMsg)}
	}
	sum := a.plan.Summary
	msg := fmt.Sprintf("Apply complete: %d created, %d updated, %d replaced, %d deleted.",
		sum.Create, sum.Update, sum.Replace, sum.Delete)
	if n := len(a.plan.LeftOut); n > 0 {
		msg += fmt.Sprintf(" Targeted: %d pending change(s) left out; `plan %s` shows them.", n, a.stack)
	}
	return msg, nil
}

// rollbackInstances returns each failed instance to what ran holds for it:
// its previous project, or none when it never ran.
func (s *Runner) rollbackInstances(ctx context.Context, a *applyRun, ran core.Desired, failed map[string]bool, emit func(instance, msg string)) error {
	projects, err := compose.GeneratePerService(ran, compose.Options{ShowSecrets: true, FilesDir: s.FilesDir(a.stack)})
	if err != nil {
		return err
	}
	if err := a.materialize(s.FilesDir(a.stack), ran); err != nil {
		return fmt.Errorf("write config files: %w", err)
	}
	byInst := map[string]compose.InstanceProject{}
	for _, p := range projects {
		byInst[p.Instance] = p
	}
	for _, inst := range slices.Sorted(maps.Keys(failed)) {
		if p, ok := byInst[inst]; ok {
			emit(inst, "rolling back instance "+inst+" to its previous applied state")
			if err := s.upInstance(ctx, a.rt, ran, p, emit); err != nil {
				return err
			}
			continue
		}
		emit(inst, "removing instance "+inst+", which never ran before")
		if err := s.downInstances(ctx, a.rt, a.stack, ran, []string{inst}, false, false, emit); err != nil {
			return err
		}
	}
	return nil
}

// failedDependency names a provider of svc that failed, or "".
func failedDependency(svc *core.WiredService, failed map[string]bool) string {
	if svc == nil {
		return ""
	}
	for _, dep := range svc.DependsOn {
		if failed[dep.Instance] {
			return dep.Instance
		}
	}
	return ""
}

// convergePerService brings up every instance project of d in startup
// order on the stack network (a rollback to a per-service snapshot).
func (s *Runner) convergePerService(ctx context.Context, rt runtime.Runtime, d core.Desired, emit func(instance, msg string)) error {
	projects, err := compose.GeneratePerService(d, compose.Options{ShowSecrets: true, FilesDir: s.FilesDir(d.Stack)})
	if err != nil {
		return fmt.Errorf("generate compose projects: %w", err)
	}
	no, err := networkOwnerOf(rt)
	if err != nil {
		return err
	}
	if err := s.ensureNetwork(ctx, no, d); err != nil {
		return err
	}
	for _, p := range projects {
		if err := s.upInstance(ctx, rt, d, p, emit); err != nil {
			return err
		}
	}
	return nil
}

// destroyPerService takes down every instance project the stack ran (in
// its snapshot, or found running) and the stack network. With purge the
// volumes go after (removeVolumes, by the stack's project name, which
// per-service volumes keep).
func (s *Runner) destroyPerService(ctx context.Context, a *applyRun, d core.Desired, emit func(instance, msg string)) error {
	set := map[string]bool{}
	for _, inst := range instancesOf(d) {
		set[inst] = true
	}
	for _, c := range a.plan.Changes {
		set[c.Instance] = true
	}
	return s.downInstances(ctx, a.rt, a.stack, d, slices.Sorted(maps.Keys(set)), true, a.purge, emit)
}

// appliedBuilds are the build digests a per-service apply records: the
// plan's for every instance when all went through, else for the instances
// brought up as desired, the previous snapshot's for the others (an
// instance rolled back runs the image it ran before).
func appliedBuilds(a *applyRun, all bool, done map[string]bool) map[string]core.BuildDigest {
	if all {
		return a.builds
	}
	var out map[string]core.BuildDigest
	put := func(inst string, b core.BuildDigest) {
		if out == nil {
			out = map[string]core.BuildDigest{}
		}
		out[inst] = b
	}
	for inst, b := range a.builds {
		if done[inst] {
			put(inst, b)
		}
	}
	if a.prev != nil {
		for inst, b := range a.prev.Builds {
			if !done[inst] {
				put(inst, b)
			}
		}
	}
	return out
}
