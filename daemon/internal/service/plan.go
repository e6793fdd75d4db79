package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

const (
	// defaultPlanLockTimeout is how long a plan waits for a stack's lock.
	defaultPlanLockTimeout = 10 * time.Second
	// defaultPlanTTL is how long a saved plan stays applicable.
	defaultPlanTTL = 15 * time.Minute
)

// Plan computes a plan of stack name under its shared lock, and saves it
// when req.Save asks. The plan is answered redacted.
func (s *Service) Plan(ctx context.Context, c Caller, name string, req api.PlanRequest) (plan.View, error) {
	timeout := time.Duration(req.LockTimeout)
	if timeout == 0 && !req.LockNoWait {
		timeout = defaultPlanLockTimeout
	}
	ttl := time.Duration(req.TTL)
	if ttl == 0 {
		ttl = defaultPlanTTL
	}
	rt, _, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		return plan.View{}, err
	}
	release, err := s.locks.Acquire(ctx, api.LockInfo{
		Stack: name, Operation: "plan", Who: c.Who, PID: c.PID,
	}, timeout)
	if err != nil {
		return plan.View{}, err
	}
	defer release()

	st, err := s.loadState(ctx, name, rt, nil, req.Destroy, fileContents{sent: req.Sources})
	if err != nil {
		return plan.View{}, err
	}
	st.input.ForceBuild = req.Build && !req.Destroy
	var starts []string
	if req.Start && !req.Destroy {
		starts = st.startStopped(req.Targets)
	}
	p, err := plan.Target(newPlan(st, rt), st.input, req.Targets)
	if err != nil {
		return plan.View{}, err
	}
	p.Starts = starts
	if req.Save {
		p.ExpiresAt = p.CreatedAt.Add(ttl)
		if err := s.store.Update(func(tx *store.Tx) error {
			_, err := tx.SavePlan(store.SavedPlan{Plan: p}, time.Now())
			return err
		}); err != nil {
			return plan.View{}, fmt.Errorf("save plan: %w", err)
		}
	}
	if req.NoDesired {
		return plan.RedactChanges(p), nil
	}
	return plan.Redact(p), nil
}

// savedPlan loads plan id and refuses one for another stack or already applied.
func (s *Service) savedPlan(stack, id string) (*store.SavedPlan, error) {
	var sp store.SavedPlan
	err := s.store.View(func(tx *store.Tx) error {
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

// Apply takes the stack's lock (waiting up to the request's lock
// timeout), reads the saved plan once, under the lock, and checks it fresh,
// or computes a plan, and starts the job that converges the stack; it
// answers with the job at once. The lock is the stack's alone, but for a
// targeted apply in per-service mode (a scoped plan): it shares the
// stack's lock and holds only the plan's instances, so applies of
// disjoint instances run side by side. The job belongs to the daemon, not
// the request: a client that goes away leaves it running (the CLI cancels
// on Ctrl-C with POST /v1/jobs/{id}/cancel), and its lock is released when
// it ends. An empty plan touches no runtime and is answered with an
// already finished job.
func (s *Service) Apply(ctx context.Context, c Caller, name string, req api.ApplyRequest) (api.Job, error) {
	if req.Purge && !req.Destroy && req.PlanID == "" {
		return api.Job{}, core.Errf("purge", "only applies to a destroy")
	}
	if req.Build && (req.Destroy || req.PlanID != "") {
		return api.Job{}, core.Errf("build", "applies to an apply without a saved plan; make the plan with `plan --build`")
	}
	if req.Start && (req.Destroy || req.PlanID != "") {
		return api.Job{}, core.Errf("start", "applies to an apply without a saved plan; make the plan with `plan --start`")
	}
	if req.KeepFailed && req.Destroy {
		return api.Job{}, core.Errf("keep_failed", "applies to an apply, not a destroy")
	}
	if len(req.Sources) > 0 && req.PlanID != "" {
		return api.Job{}, core.Errf("sources", "apply to an apply without a saved plan: a saved plan applies the file contents it was made with")
	}
	op := "apply"
	if req.Destroy {
		op = "destroy"
	}
	rt, spec, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		return api.Job{}, err
	}
	if req.KeepFailed && rt.Kind() == runtime.KindSwarm {
		return api.Job{}, core.Errf("keep_failed", "does not apply on a swarm, which keeps its failed tasks itself (docker service ps --no-trunc)")
	}

	job := api.Job{ID: randid.Hex(8), Stack: name, Operation: op, PlanID: req.PlanID}
	// The instances the plan will apply are known for sure only once it
	// is read or computed under the lock: the lock is taken for a guess,
	// and taken again for what the plan needs when the guess falls short
	// (a provider it includes, a stack not in per-service mode). The third
	// time, it is the whole stack's.
	scope := s.applyScope(name, rt, req)
	for attempt := 1; ; attempt++ {
		release, err := s.locks.Acquire(ctx, api.LockInfo{
			Stack: name, Operation: op, JobID: job.ID, Who: c.Who, PID: c.PID,
			Exclusive: scope == nil, Instances: scope,
		}, time.Duration(req.LockTimeout))
		if err != nil {
			return api.Job{}, err
		}
		p, err := s.prepareLocked(ctx, name, rt, req, job)
		if err != nil {
			release()
			return api.Job{}, err
		}
		need := p.Plan.Instances()
		if !p.Plan.Scoped() {
			need = nil
		}
		if covers(scope, need) {
			p.Spec, p.Instances, p.KeepFailed = spec, scope, req.KeepFailed
			return s.runner.Start(ctx, p, release)
		}
		release()
		scope = need
		if attempt == 2 {
			scope = nil
		}
	}
}

// applyScope guesses the instances an apply holds alone under the stack's
// shared lock: a saved scoped plan's, or the targets of one computed in
// per-service mode; nil (the whole stack, exclusively) otherwise.
func (s *Service) applyScope(name string, rt runtime.Runtime, req api.ApplyRequest) []string {
	if req.Destroy {
		return nil
	}
	if req.PlanID != "" {
		if saved, err := s.savedPlan(name, req.PlanID); err == nil && saved.Stack == nil && saved.Plan.Scoped() {
			return saved.Plan.Instances()
		}
		return nil
	}
	if len(req.Targets) == 0 || rt.Kind() == runtime.KindSwarm {
		return nil
	}
	st, err := s.storedStack(name)
	if err != nil || core.EffectiveComposeMode(st.ComposeMode) != core.ComposeModePerService {
		return nil
	}
	return req.Targets
}

// covers reports whether a lock on scope (nil: the whole stack) covers a
// plan needing need (nil: the whole stack).
func covers(scope, need []string) bool {
	if scope == nil {
		return true
	}
	if need == nil {
		return false
	}
	for _, n := range need {
		if !slices.Contains(scope, n) {
			return false
		}
	}
	return true
}

// prepareLocked reads the saved plan (under the stack's lock, and nowhere
// else: a request applying the same plan that held the lock before has
// marked it applied) or computes one, and checks what the apply may do.
func (s *Service) prepareLocked(ctx context.Context, name string, rt runtime.Runtime, req api.ApplyRequest, job api.Job) (apply.Params, error) {
	var saved *store.SavedPlan
	var err error
	if req.PlanID != "" {
		if saved, err = s.savedPlan(name, req.PlanID); err != nil {
			return apply.Params{}, err
		}
		if req.Destroy && !saved.Plan.Destroy {
			return apply.Params{}, errorf(api.CodeStalePlan, "run `destroy "+name+"` without a plan ID",
				"plan %s does not destroy stack %q", req.PlanID, name)
		}
	}
	destroy := req.Destroy || (saved != nil && saved.Plan.Destroy)
	if req.Purge && !destroy {
		return apply.Params{}, core.Errf("purge", "only applies to a destroy")
	}
	purge := destroy && (req.Purge || (saved != nil && saved.Purge))
	if destroy {
		job.Operation = "destroy"
	}

	if saved != nil && len(req.Targets) > 0 {
		return apply.Params{}, core.Errf("target", "does not apply to a saved plan: it carries its own targets (plan "+name+" --target ... --save)")
	}
	p, err := s.prepareApply(ctx, name, saved, rt, destroy, req.Targets, req.Build, req.Start, req.Sources)
	if err != nil {
		return apply.Params{}, err
	}
	// Whatever the client checked: privileges need the request's consent.
	if err := plan.RequireConsent(&p.Plan, req.AllowPrivileged); err != nil {
		return apply.Params{}, errorf(api.CodeInvalid, "review them with `plan "+name+"`, then apply with --allow-privileged", "%s", err.Error())
	}
	if purge {
		if err := s.refuseJoinedPurge(name); err != nil {
			return apply.Params{}, err
		}
	}
	p.Job, p.Purge = job, purge
	return p, nil
}

// prepareApply builds what an apply job needs, under the stack's lock: the
// saved plan (read under the lock; nil for none) checked fresh against the
// current state, or a plan computed now (limited to targets, if any).
//
// sources are the request's file contents (ApplyRequest.Sources); a saved
// plan is checked with the contents its desired state holds.
func (s *Service) prepareApply(ctx context.Context, name string, saved *store.SavedPlan, rt runtime.Runtime, destroy bool, targets []string, build, start bool, sources map[string]string) (apply.Params, error) {
	a := apply.Params{Stack: name, Runtime: rt, Destroy: destroy, Saved: saved}
	var pending *pendingStack
	if saved != nil && saved.Stack != nil { // the templates of an import are stored with its plan
		pending = &pendingStack{Stack: *saved.Stack, Templates: saved.Templates}
		if len(saved.Templates) > 0 {
			if err := s.store.View(func(tx *store.Tx) error {
				return checkPlanTemplates(tx, name, saved.Plan.ID, saved.Templates)
			}); err != nil {
				return a, err
			}
		}
	}
	contents := fileContents{sent: sources}
	if saved != nil {
		contents = fileContents{plan: &saved.Plan.Desired}
	}
	st, err := s.loadState(ctx, name, rt, pending, destroy, contents)
	if err != nil {
		return a, err
	}
	if a.Saved != nil {
		// The plan was computed with these instances' stop ended: the
		// state it is checked against is too.
		if len(a.Saved.Plan.Starts) > 0 {
			st.startStopped(a.Saved.Plan.Starts)
		}
		if pending != nil {
			stored, err := s.storedStack(name)
			if err != nil {
				return a, err
			}
			if err := checkPending(saved.Plan.ID, stored, pending.Stack); err != nil {
				return a, err
			}
		}
		if err := plan.Staleness(a.Saved.Plan, st.input, time.Now()); err != nil {
			var se *plan.StaleError
			if errors.As(err, &se) {
				return a, errorf(api.CodeStalePlan, se.Hint(), "%s", se.Error())
			}
			return a, err
		}
		a.Plan = a.Saved.Plan
	} else {
		st.input.ForceBuild = build
		var starts []string
		if start && !destroy {
			starts = st.startStopped(targets)
		}
		if a.Plan, err = plan.Target(newPlan(st, rt), st.input, targets); err != nil {
			return a, err
		}
		if err := plan.DisabledTargetsError(a.Plan, st.input); err != nil {
			return a, err
		}
		a.Plan.Starts = starts
	}
	a.Builds = st.input.Builds
	a.Prev, a.Bound = st.applied, st.binding
	a.Foreign = map[string]runtime.Container{}
	for _, c := range st.foreign {
		a.Foreign[st.foreignInstance(c)] = c
	}
	return a, nil
}

// refuseJoinedPurge refuses destroy --purge of stack name while another
// stack's definition joins its network: the definition would go from under
// it, as stack rm is refused.
func (s *Service) refuseJoinedPurge(name string) error {
	return s.store.View(func(tx *store.Tx) error {
		joiners, applied, err := state.Joiners(tx, name)
		if err != nil || len(joiners) == 0 {
			return err
		}
		return core.JoinersError(name, "purge", joiners, "", len(applied) > 0)
	})
}
