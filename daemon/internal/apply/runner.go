package apply

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// Timeouts bound the waits of a job.
type Timeouts struct {
	// Verify bounds the wait for containers to run and be healthy.
	Verify time.Duration
	// VerifyInterval is the longest pause between two checks of the
	// containers while waiting (the first pauses are shorter, see
	// verifyFirstPause).
	VerifyInterval time.Duration
	// Recover bounds a rollback or cleanup after a failed job.
	Recover time.Duration
	// Up, plus the healthcheck window, bounds compose up, which itself
	// waits for providers to be healthy: a provider that never turns
	// healthy must fail the job, not hold the stack's lock forever.
	Up time.Duration
}

// DefaultTimeouts are the timeouts the daemon runs jobs with.
func DefaultTimeouts() Timeouts {
	return Timeouts{Verify: 120 * time.Second, VerifyInterval: 250 * time.Millisecond, Recover: 3 * time.Minute, Up: 5 * time.Minute}
}

// Runner runs apply and destroy jobs of the stacks in Store, with config
// files under Home/stacks/<stack>.
type Runner struct {
	Home     string
	Store    *store.Store
	Jobs     *jobs.Manager
	Log      *slog.Logger
	Timeouts Timeouts

	// netMu serializes the creation of per-service stack networks: the
	// engine may create two networks of one name when two applies of a
	// stack (targeted at disjoint instances) both find it missing.
	netMu sync.Mutex
}

// FilesDir is where a stack's config files are materialized.
func (s *Runner) FilesDir(stack string) string {
	return filepath.Join(s.Home, "stacks", stack)
}

// Params is one apply or destroy, prepared under the stack's exclusive
// lock: the plan to carry out and the state it was computed from.
type Params struct {
	Job     api.Job
	Stack   string
	Runtime runtime.Runtime
	Spec    runtime.Spec                 // the runtime's spec, recorded as the stack's binding
	Plan    plan.Plan                    // unredacted: Desired holds secret values
	Saved   *store.SavedPlan             // the saved plan applied, or nil
	Prev    *store.Applied               // last applied snapshot, or nil
	Bound   *store.RuntimeBinding        // the runtime Prev was applied with, or nil
	Foreign map[string]runtime.Container // instance -> the foreign container named like it
	Destroy bool
	Purge   bool // destroy also removes the volumes and the definition
	// Builds are the digests of the build inputs the plan was checked
	// against, recorded with the applied snapshot.
	Builds map[string]core.BuildDigest
	// Instances, when set, are the only instances the job holds (a scoped
	// targeted plan in per-service mode, under the stack's shared lock):
	// other applies may run beside it on other instances, so it writes
	// only these instances' config files and records only them in the
	// applied snapshot, merged into the snapshot as it is then.
	Instances []string
	// KeepFailed leaves the containers of the instances that fail for
	// inspection (apply --keep-failed).
	KeepFailed bool
}

// Start carries out p. An empty plan touches no container (but for a
// destroy --purge, which removes the volumes) and is answered with an
// already finished job; release is called before Start returns. Otherwise
// the job is started in the background and answered at once; it calls
// release when it ends.
func (s *Runner) Start(ctx context.Context, p Params, release func()) (api.Job, error) {
	a := &applyRun{
		job: p.Job, stack: p.Stack, rt: p.Runtime, spec: p.Spec, plan: p.Plan, saved: p.Saved,
		prev: p.Prev, bound: p.Bound, foreignOf: p.Foreign, destroy: p.Destroy, purge: p.Purge,
		builds: p.Builds, keepFailed: p.KeepFailed,
	}
	if len(p.Instances) > 0 {
		a.scope = map[string]bool{}
		for _, inst := range p.Instances {
			a.scope[inst] = true
		}
	}
	var prev *core.Desired
	if a.prev != nil {
		prev = &a.prev.Desired
	}
	a.secrets = core.OutputSecrets(&a.plan.Desired, prev)
	a.rt = newScrubbingRuntime(a.rt, core.NewScrubber(a.secrets,
		append(core.PublicNames(&a.plan.Desired, prev), core.Names(&a.plan.Desired, prev)...)))
	if err := s.Jobs.Accepting(); err != nil {
		release()
		return api.Job{}, err
	}
	if a.plan.Empty() {
		defer release()
		summary, err := s.finishEmpty(ctx, a)
		if err != nil {
			return api.Job{}, err
		}
		return s.Jobs.Record(a.job, summary), nil
	}
	job, err := s.Jobs.StartOwnText(a.job, func(ctx context.Context, emit func(instance, msg string)) (string, error) {
		defer release()
		return s.runApply(ctx, a, emit)
	}, a.secrets)
	if err != nil {
		release() // the run function never runs
		return api.Job{}, err
	}
	return job, nil
}

// finishEmpty records an apply that changes no container: the snapshot and
// the definition move on without any runtime call, but for a destroy
// --purge, which removes the volumes a destroy kept. It returns the job's
// summary.
func (s *Runner) finishEmpty(ctx context.Context, a *applyRun) (string, error) {
	summary := "No changes."
	if a.destroy && a.purge {
		gone, err := removeVolumes(ctx, a.rt, a.stack, nil, func(string, string) {})
		if err != nil {
			return "", &RuntimeError{Hint: "run `destroy " + a.stack + " --purge` again once nothing uses them",
				Msg: fmt.Sprintf("stack %q has no containers, but removing its volumes failed: %v; nothing was changed", a.stack, err)}
		}
		summary = "Destroy complete: 0 deleted." + purgedNote(a.stack, gone)
	}
	now := time.Now().UTC()
	err := s.Store.Update(func(tx *store.Tx) error {
		if a.destroy {
			if err := tx.DeleteApplied(a.stack); err != nil && !store.IsNotFound(err) {
				return err
			}
			if a.purge {
				return purgeStack(tx, a.stack)
			}
		} else {
			d, err := s.commitPending(tx, a, now)
			if err != nil {
				return err
			}
			if a.prev != nil {
				// Nothing was built or recreated: the images stay.
				if err := a.putApplied(tx, store.Applied{
					Desired: d, AppliedAt: now, JobID: a.job.ID,
					Builds: a.prev.Builds, Images: a.prev.Images,
				}); err != nil {
					return err
				}
			}
		}
		return markApplied(tx, a.saved, now)
	})
	if err != nil {
		return "", fmt.Errorf("record apply of stack %q: %w", a.stack, err)
	}
	if a.destroy {
		return summary, RemoveFiles(s.FilesDir(a.stack))
	}
	return summary, nil
}

// RuntimeError is a runtime failure a request is answered with (not a job's).
type RuntimeError struct {
	Msg, Hint string
}

func (e *RuntimeError) Error() string { return e.Msg }

// BindingOf is the record of the runtime a stack is applied with.
func BindingOf(s runtime.Spec) store.RuntimeBinding {
	return store.RuntimeBinding{Kind: s.Kind, Binary: s.Binary, Env: maps.Clone(s.Env)}
}
