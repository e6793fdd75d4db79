package service

// Reads of a stack's containers (ps, logs) and its lock.

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// stackRuntime checks that stack exists and opens the runtime its
// containers run on: the one spec names, or, when it names no kind,
// the one the stack's applied snapshot was made with (detection only when
// there is none). A query naming another kind than the snapshot's is
// refused, as a plan is: that runtime has none of the stack's containers.
func (s *Service) stackRuntime(stack string, spec api.RuntimeSpec) (runtime.Runtime, error) {
	if _, err := s.storedStack(stack); err != nil {
		return nil, err
	}
	binding, err := s.binding(stack)
	if err != nil {
		return nil, err
	}
	rt, _, err := s.openRuntime(boundRuntime(runtimeSpec(spec), binding))
	if err != nil {
		return nil, err
	}
	if err := checkAppliedRuntime(stack, binding, rt); err != nil {
		return nil, err
	}
	return rt, nil
}

// openStackRuntime opens the runtime a plan, apply or destroy of stack
// uses: spec when it names a kind, else the one the stack was applied with
// (so a stack applied with --runtime podman needs no --runtime afterwards),
// else detection. A named kind other than the snapshot's is refused later,
// by the plan, with the hint to name the right one.
func (s *Service) openStackRuntime(stack string, spec api.RuntimeSpec) (runtime.Runtime, runtime.Spec, error) {
	binding, err := s.binding(stack)
	if err != nil {
		return nil, runtime.Spec{}, err
	}
	return s.openRuntime(boundRuntime(runtimeSpec(spec), binding))
}

// binding returns the runtime stack is bound to, or nil when it is bound to
// none (not applied). It reads only the binding, not the applied snapshot.
func (s *Service) binding(stack string) (*store.RuntimeBinding, error) {
	var b store.RuntimeBinding
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		b, err = tx.GetBinding(stack)
		return err
	})
	switch {
	case store.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &b, nil
}

// runtimeSpec is the runtime a request names.
func runtimeSpec(s api.RuntimeSpec) runtime.Spec {
	return runtime.Spec{Kind: s.Kind, Binary: s.Binary, Env: s.Env}
}

// boundSpec is the runtime a stored binding names.
func boundSpec(b store.RuntimeBinding) runtime.Spec {
	return runtime.Spec{Kind: b.Kind, Binary: b.Binary, Env: maps.Clone(b.Env)}
}

// boundRuntime is the runtime spec a read of a stack's containers uses:
// spec when it names a kind (or the stack is bound to none), else the spec
// the stack was applied with, so a stack applied with --runtime podman is
// read on podman without --runtime.
func boundRuntime(spec runtime.Spec, binding *store.RuntimeBinding) runtime.Spec {
	if spec.Kind != "" || binding == nil {
		return spec
	}
	return boundSpec(*binding)
}

// Ps lists the containers of stack, sorted by instance and name.
func (s *Service) Ps(ctx context.Context, stack string, spec api.RuntimeSpec) ([]api.Container, error) {
	rt, err := s.stackRuntime(stack, spec)
	if err != nil {
		return nil, err
	}
	cs, err := rt.Containers(ctx, stack)
	if err != nil {
		return nil, err
	}
	out := make([]api.Container, 0, len(cs))
	for _, c := range cs {
		out = append(out, api.Container{
			Instance: c.Instance(),
			Name:     strings.TrimPrefix(c.Name, "/"),
			Image:    c.Image,
			State:    c.State,
			Health:   c.Health,
			Ports:    c.Ports,
		})
	}
	slices.SortFunc(out, func(a, b api.Container) int {
		if c := strings.Compare(a.Instance, b.Instance); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// LogsRequest is what Logs streams.
type LogsRequest struct {
	Stack      string
	Runtime    api.RuntimeSpec
	Instance   string // "": every instance
	Follow     bool   // keep going until ctx is done
	Tail       int    // lines of history per container; 0: all
	Since      string // "": all; else as api.CheckLogsSince accepts it
	Timestamps bool   // each line starts with its time
}

// Logs calls fn with the output of the stack's devarch-labeled containers
// (one instance's with req.Instance), secret values scrubbed. With
// req.Follow, begin is called once the containers are found, before any
// output, so a stream can send its header.
func (s *Service) Logs(ctx context.Context, req LogsRequest, begin func(), fn func(api.LogLine)) error {
	name := req.Stack
	rt, err := s.stackRuntime(name, req.Runtime)
	if err != nil {
		return err
	}
	cs, err := rt.Containers(ctx, name)
	if err != nil {
		return err
	}
	instance := req.Instance
	var names []string
	for _, c := range cs {
		if instance == "" || c.Instance() == instance {
			names = append(names, strings.TrimPrefix(c.Name, "/"))
		}
	}
	if len(names) == 0 {
		if instance != "" {
			return errorf(api.CodeNotFound, "run `ps "+name+"` to list its containers",
				"instance %q of stack %q has no container", instance, name)
		}
		return errorf(api.CodeNotFound, "run `apply "+name+"` first", "stack %q has no containers", name)
	}
	slices.Sort(names)
	sc := s.stackScrubber(name)
	opts := runtime.LogsOptions{Follow: req.Follow, Tail: req.Tail, Since: req.Since, Timestamps: req.Timestamps}
	if opts.Follow {
		begin()
	}
	return rt.Logs(ctx, core.ProjectName(name), names, opts, func(inst, line string) {
		fn(api.LogLine{Instance: inst, Line: sc.Scrub(line)})
	})
}

// stackScrubber returns the scrubber of what stack's containers print: the
// secret values of its desired and applied states, in every form, hidden,
// and its public and devarch's own names kept.
func (s *Service) stackScrubber(stack string) *core.Scrubber {
	var ds []*core.Desired
	_ = s.store.View(func(tx *store.Tx) error {
		if _, d, err := state.Desired(tx, stack); err == nil {
			ds = append(ds, &d)
		}
		if ap, err := tx.GetApplied(stack); err == nil {
			ds = append(ds, &ap.Desired)
		}
		return nil
	})
	return core.NewScrubber(core.OutputSecrets(ds...), append(core.PublicNames(ds...), core.Names(ds...)...))
}

// Lock lists who holds stack's lock.
func (s *Service) Lock(name string) api.LockView {
	return api.LockView{Stack: name, Holders: s.locks.Holders(name)}
}

// Unlock releases stack's lock holders whose holder is gone (one with
// req.ID), never that of a job of this daemon that still runs.
func (s *Service) Unlock(c Caller, name string, req api.UnlockRequest) (api.UnlockResult, error) {
	if !req.Force {
		return api.UnlockResult{}, errorf(api.CodeInvalid, "--force",
			"unlocking stack %q releases locks whose holder is gone (a running job is cancelled with `jobs cancel` instead); confirm with force", name)
	}
	// A job of this daemon that still runs is not gone: releasing its lock
	// would let another apply or destroy run beside it. Cancelling it rolls
	// back and releases the lock the safe way.
	for _, h := range s.locks.Holders(name) {
		if (req.ID == "" || h.ID == req.ID) && h.JobID != "" && s.jobs.IsRunning(h.JobID) {
			return api.UnlockResult{}, errorf(api.CodeConflict, "cancel it with `devarch jobs cancel "+h.JobID+"`: it rolls back and releases the lock",
				"stack %q is locked by %s job %s, which is still running", name, h.Operation, h.JobID)
		}
	}
	n := s.locks.ForceUnlock(name, req.ID)
	if n == 0 && req.ID != "" {
		return api.UnlockResult{}, errorf(api.CodeNotFound, "run `lock "+name+"` to list holders",
			"stack %q has no lock holder with ID %q", name, req.ID)
	}
	s.log.Warn("stack force-unlocked", "stack", name, "released", n, "by", c.Who)
	return api.UnlockResult{Released: n}, nil
}
