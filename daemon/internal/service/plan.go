package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

const (
	// defaultPlanLockTimeout is how long a plan waits for a stack's lock.
	defaultPlanLockTimeout = 10 * time.Second
	// defaultPlanTTL is how long a saved plan stays applicable.
	defaultPlanTTL = 15 * time.Minute
)

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var req api.PlanRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	timeout := time.Duration(req.LockTimeout)
	if timeout == 0 && !req.LockNoWait {
		timeout = defaultPlanLockTimeout
	}
	ttl := time.Duration(req.TTL)
	if ttl == 0 {
		ttl = defaultPlanTTL
	}
	rt, _, err := s.openStackRuntime(r.PathValue("stack"), req.Runtime)
	if err != nil {
		writeError(w, err)
		return
	}
	peer := PeerFrom(r.Context())
	release, err := s.Locks.Acquire(r.Context(), api.LockInfo{
		Stack: name, Operation: "plan", Who: peer.Who, PID: peer.PID,
	}, timeout)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()

	p, err := s.PlanStack(r.Context(), name, rt, nil, req.Destroy)
	if err != nil {
		writeError(w, err)
		return
	}
	if req.Save {
		p.ExpiresAt = p.CreatedAt.Add(ttl)
		if err := s.Store.Update(func(tx *store.Tx) error {
			return tx.PutPlan(store.SavedPlan{Plan: p})
		}); err != nil {
			writeError(w, fmt.Errorf("save plan: %w", err))
			return
		}
	}
	writeJSON(w, http.StatusOK, plan.Redact(p))
}

// savedPlan loads plan id and refuses one for another stack or already applied.
func (s *Server) savedPlan(stack, id string) (*store.SavedPlan, error) {
	var sp store.SavedPlan
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		sp, err = tx.GetPlan(id)
		return err
	})
	switch {
	case store.IsNotFound(err):
		return nil, errorf(api.CodeNotFound, "run `plan "+stack+" --save` to make one", "no saved plan with ID %q", id)
	case err != nil:
		return nil, fmt.Errorf("load plan %q: %w", id, err)
	case sp.Plan.Stack != stack:
		return nil, errorf(api.CodeStalePlan, "", "plan %s is for stack %q, not %q", id, sp.Plan.Stack, stack)
	case sp.AppliedAt != nil || sp.Plan.AppliedAt != nil:
		at := sp.AppliedAt
		if at == nil {
			at = sp.Plan.AppliedAt
		}
		return nil, errorf(api.CodeStalePlan, "run `plan "+stack+"` again",
			"plan %s was already applied at %s", id, at.UTC().Format(time.RFC3339))
	}
	return &sp, nil
}

// storedStack returns the stored definition of stack name.
func (s *Server) storedStack(name string) (core.Stack, error) {
	var st core.Stack
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		st, err = tx.GetStack(name)
		return err
	})
	return st, err
}

// checkPending refuses an import plan when the stored definition it
// replaces changed since the plan was made.
func checkPending(planID string, stored, pending core.Stack) error {
	switch {
	case stored.Lineage != pending.Lineage:
		return errorf(api.CodeStalePlan, "run the import again",
			"plan %s is stale: stack %q was deleted and re-created since the plan (lineage %s, plan has %s)",
			planID, stored.Name, stored.Lineage, pending.Lineage)
	case stored.Serial != pending.Serial:
		return errorf(api.CodeStalePlan, "run the import again",
			"plan %s is stale: stack %q changed since the plan (serial %d, plan has %d)",
			planID, stored.Name, stored.Serial, pending.Serial)
	}
	return nil
}

// handleApply takes the stack's write lock (waiting up to the request's
// lock timeout), reads the saved plan once, under the lock, and checks it
// fresh, or computes a plan, and starts the job
// that converges the stack; it answers with the job at once. The job
// belongs to the daemon, not the request: a client that goes away leaves it
// running (the CLI cancels on Ctrl-C with POST /v1/jobs/{id}/cancel), and
// its lock is released when it ends. An empty plan touches no runtime and
// is answered with an already finished job.
func (s *Server) handleApply(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var req api.ApplyRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Purge && !req.Destroy && req.PlanID == "" {
		writeError(w, core.Errf("purge", "only applies to a destroy"))
		return
	}
	op := "apply"
	if req.Destroy {
		op = "destroy"
	}
	rt, spec, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		writeError(w, err)
		return
	}

	job := api.Job{ID: randomHex(8), Stack: name, Operation: op, PlanID: req.PlanID}
	peer := PeerFrom(r.Context())
	release, err := s.Locks.Acquire(r.Context(), api.LockInfo{
		Stack: name, Operation: op, JobID: job.ID, Who: peer.Who, PID: peer.PID, Exclusive: true,
	}, time.Duration(req.LockTimeout))
	if err != nil {
		writeError(w, err)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			release()
		}
	}()

	// The plan is read here, under the lock, and nowhere else: a request
	// applying the same plan that held the lock before has marked it applied.
	var saved *store.SavedPlan
	if req.PlanID != "" {
		if saved, err = s.savedPlan(name, req.PlanID); err != nil {
			writeError(w, err)
			return
		}
		if req.Destroy && !saved.Plan.Destroy {
			writeError(w, errorf(api.CodeStalePlan, "run `destroy "+name+"` without a plan ID",
				"plan %s does not destroy stack %q", req.PlanID, name))
			return
		}
	}
	destroy := req.Destroy || (saved != nil && saved.Plan.Destroy)
	if req.Purge && !destroy {
		writeError(w, core.Errf("purge", "only applies to a destroy"))
		return
	}
	purge := destroy && (req.Purge || (saved != nil && saved.Purge))
	if destroy {
		job.Operation = "destroy"
	}

	a, err := s.prepareApply(r.Context(), name, saved, rt, destroy)
	if err != nil {
		writeError(w, err)
		return
	}
	if purge {
		if err := s.refuseJoinedPurge(name); err != nil {
			writeError(w, err)
			return
		}
	}
	a.job, a.spec, a.purge = job, spec, purge

	if a.plan.Empty() {
		summary, err := s.finishEmpty(r.Context(), a)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.Jobs.record(job, summary))
		return
	}

	handedOff = true
	job = s.Jobs.StartOwnText(job, func(ctx context.Context, emit func(instance, msg string)) (string, error) {
		defer release()
		return s.runApply(ctx, a, emit)
	}, a.secrets)
	writeJSON(w, http.StatusOK, job)
}

// prepareApply builds what an apply job needs, under the stack's lock: the
// saved plan (read under the lock; nil for none) checked fresh against the
// current state, or a plan computed now.
func (s *Server) prepareApply(ctx context.Context, name string, saved *store.SavedPlan, rt runtime.Runtime, destroy bool) (*applyRun, error) {
	a := &applyRun{stack: name, rt: rt, destroy: destroy, saved: saved}
	var pending *pendingStack
	if saved != nil && saved.Stack != nil { // the templates of an import are stored with its plan
		pending = &pendingStack{Stack: *saved.Stack}
	}
	st, err := s.loadState(ctx, name, rt, pending, destroy)
	if err != nil {
		return nil, err
	}
	if a.saved != nil {
		if pending != nil {
			stored, err := s.storedStack(name)
			if err != nil {
				return nil, err
			}
			if err := checkPending(saved.Plan.ID, stored, pending.Stack); err != nil {
				return nil, err
			}
		}
		if err := plan.Staleness(a.saved.Plan, st.input, time.Now()); err != nil {
			var se *plan.StaleError
			if errors.As(err, &se) {
				return nil, errorf(api.CodeStalePlan, se.Hint(), "%s", se.Error())
			}
			return nil, err
		}
		a.plan = a.saved.Plan
	} else {
		a.plan = newPlan(st, rt)
	}
	a.prev, a.bound = st.applied, st.binding
	a.foreignOf = map[string]runtime.Container{}
	for _, c := range st.foreign {
		a.foreignOf[st.foreignInstance(c)] = c
	}
	var prev *core.Desired
	if a.prev != nil {
		prev = &a.prev.Desired
	}
	a.secrets = core.OutputSecrets(&a.plan.Desired, prev)
	a.rt = newScrubbingRuntime(a.rt, core.NewScrubber(a.secrets,
		append(core.PublicNames(&a.plan.Desired, prev), core.Names(&a.plan.Desired, prev)...)))
	return a, nil
}

// finishEmpty records an apply that changes no container: the snapshot and
// the definition move on without any runtime call, but for a destroy
// --purge, which removes the volumes a destroy kept. It returns the job's
// summary.
func (s *Server) finishEmpty(ctx context.Context, a *applyRun) (string, error) {
	summary := "No changes."
	if a.destroy && a.purge {
		project := core.ProjectName(a.stack)
		gone, err := removeVolumes(ctx, a.rt, project, nil, func(string, string) {})
		if err != nil {
			return "", errorf(api.CodeRuntime, "run `destroy "+a.stack+" --purge` again once nothing uses them",
				"stack %q has no containers, but removing its volumes failed: %v; nothing was changed", a.stack, err)
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
				if err := tx.PutApplied(a.stack, store.Applied{
					Desired: d, AppliedAt: now, JobID: a.job.ID,
				}, bindingOf(a.spec)); err != nil {
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
		return summary, removeFiles(s.filesDir(a.stack))
	}
	return summary, nil
}

// refuseJoinedPurge refuses destroy --purge of stack name while another
// stack's definition joins its network: the definition would go from under
// it, as stack rm is refused.
func (s *Server) refuseJoinedPurge(name string) error {
	return s.Store.View(func(tx *store.Tx) error {
		joiners, applied, err := joinersOf(tx, name)
		if err != nil || len(joiners) == 0 {
			return err
		}
		return core.JoinersError(name, "purge", joiners, "", len(applied) > 0)
	})
}
