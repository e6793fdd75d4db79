package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/builddigest"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// OpenRuntime detects the runtime when spec.Kind is empty (spec.Env and
// spec.Binary still apply) and builds it. It returns the spec it used.
func OpenRuntime(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) {
	if spec.Kind == "" {
		found, err := runtime.Detect(spec.Env)
		if err != nil {
			return nil, spec, errorf(api.CodeRuntime, "choose one with --runtime docker|podman|swarm or DEVARCH_RUNTIME",
				"detect container runtime: %v", err)
		}
		if spec.Binary != "" {
			found.Binary = spec.Binary
		}
		if len(spec.Env) > 0 {
			found.Env = maps.Clone(found.Env)
			if found.Env == nil {
				found.Env = map[string]string{}
			}
			maps.Copy(found.Env, spec.Env)
		}
		spec = found
	}
	rt, err := runtime.New(spec)
	if err != nil {
		return nil, spec, errorf(api.CodeInvalid, "choose one with --runtime docker|podman|swarm or DEVARCH_RUNTIME",
			"runtime %q: %v", spec.Kind, err)
	}
	return rt, spec, nil
}

// stackState is everything a plan of one stack is computed from.
type stackState struct {
	name    string
	stack   core.Stack
	desired core.Desired
	applied *store.Applied
	binding *store.RuntimeBinding // the runtime the stack is bound to, if any
	others  []core.Desired        // desired states of the other stacks
	nets    core.Networks         // every stack's networks and names (not for a destroy)
	rtKind  string                // the runtime's kind
	live    []runtime.Container   // containers carrying the stack's labels
	foreign []runtime.Container   // containers named like the stack's without its labels
	input   plan.Input
}

// loadState reads stack name's definition (or pending, a definition an
// import will replace it with), its applied snapshot and its live
// containers. A destroy does not need a definition that still builds.
// pendingStack is a definition a plan is made for instead of the stored
// one (an import over the stack), with the templates its file brings that
// the store does not hold yet.
type pendingStack struct {
	Stack     core.Stack
	Templates []core.Template
}

// fileContents says what content the stored definition's config files that
// follow a source (core.FileSources) are planned with: what the client sent
// (keyed by source path), or, checking a saved plan, what its desired state
// holds. A file neither names keeps its stored content.
type fileContents struct {
	sent map[string]string
	plan *core.Desired
}

func (c fileContents) of(st core.Stack) map[string]string {
	if c.plan != nil {
		return core.AssumedSources(st, *c.plan)
	}
	return c.sent
}

func (s *Service) loadState(ctx context.Context, name string, rt runtime.Runtime, pending *pendingStack, destroy bool, contents fileContents) (*stackState, error) {
	st := &stackState{name: name}
	err := s.store.View(func(tx *store.Tx) error {
		tpls, err := state.Templates(tx) // once for this stack and the others
		if err != nil {
			return err
		}
		switch {
		case pending != nil:
			st.stack = pending.Stack
			if st.desired, err = core.Build(pending.Stack, overlayTemplates(tpls, pending.Templates)); err != nil {
				return err
			}
		default:
			if st.stack, err = state.Stack(tx, name); err == nil && !destroy {
				st.stack, err = core.ApplySources(st.stack, contents.of(st.stack))
			}
			if err == nil {
				st.desired, err = core.Build(st.stack, tpls)
			}
			if err != nil && destroy {
				// A destroy removes what runs; it needs the stack, not a
				// definition that still builds.
				if st.stack, err = tx.GetStack(name); err != nil {
					return err
				}
				st.desired = core.Desired{Stack: name, Lineage: st.stack.Lineage, Serial: st.stack.Serial}
			}
			if err != nil {
				return err
			}
		}
		applied, err := tx.GetApplied(name)
		switch {
		case err == nil:
			st.applied = &applied
		case !store.IsNotFound(err):
			return err
		}
		switch b, err := tx.GetBinding(name); {
		case err == nil:
			st.binding = &b
		case !store.IsNotFound(err):
			return err
		}
		if destroy {
			// The joined network would stay behind: compose down cannot
			// remove a network other stacks' containers are on.
			if _, applied, err := state.Joiners(tx, name); err != nil {
				return err
			} else if len(applied) > 0 {
				return core.JoinersError(name, "destroy", applied,
					" with applied containers, which would keep the network from being removed", true)
			}
			return nil
		}
		if st.others, err = state.OtherPorts(tx, st.desired); err != nil {
			return err
		}
		owners, err := state.ContainerOwners(tx, st.stack)
		if err != nil {
			return err
		}
		// Refused at every write now, but older data may have it.
		if err := core.ContainerClashes(st.stack, owners); err != nil {
			return err
		}
		st.nets, err = state.CheckNetworkPlan(tx, st.stack)
		return err
	})
	if err != nil {
		return nil, err
	}
	if st.desired.Stack == "" {
		st.desired.Stack = name
	}
	if err := checkAppliedRuntime(name, st.binding, rt); err != nil {
		return nil, err
	}
	st.rtKind = rt.Kind()
	if !destroy {
		// What apply would hand the runtime must generate: a stored compose
		// fragment compose refuses fails the plan, naming the field, not
		// the apply.
		if _, err := compose.Project(st.desired, compose.Options{FilesDir: s.filesDir(name)}); err != nil {
			return nil, err
		}
		// On a swarm, what it cannot run (a build on more than one node,
		// a compose fragment) fails the plan as well.
		if rt.Kind() == runtime.KindSwarm {
			if _, err := apply.ProjectFile(ctx, rt, st.desired, s.filesDir(name)); err != nil {
				return nil, err
			}
		}
	}

	if st.live, err = rt.Containers(ctx, name); err != nil {
		return nil, fmt.Errorf("list containers of stack %q: %w", name, err)
	}
	if st.foreign, err = s.foreignContainers(ctx, rt, st); err != nil {
		return nil, err
	}
	st.input = plan.Input{Desired: st.desired, Live: liveContainers(st.live), Destroy: destroy, Runtime: rt.Kind()}
	if st.applied != nil {
		d := st.applied.Desired
		st.input.Applied = &d
		st.input.AppliedBuilds, st.input.AppliedImages = st.applied.Builds, st.applied.Images
	}
	if !destroy {
		if err := st.readImages(ctx, rt); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// readImages fills the plan's build digests (each build's context and
// Dockerfile must exist: the daemon runs as the CLI's user and reads them)
// and the local image IDs of the enabled instances' images.
func (st *stackState) readImages(ctx context.Context, rt runtime.Runtime) error {
	var refs []string
	byInstance := map[string]string{}
	for _, svc := range st.desired.Services {
		if !svc.Enabled {
			continue
		}
		if b := svc.Build; b != nil {
			field := "instances." + svc.Instance + ".build"
			if err := core.CheckBuildPaths(field, *b, statPath); err != nil {
				return err
			}
			d, err := builddigest.Compute(*b)
			if err != nil {
				return core.Errf(field, err.Error())
			}
			if st.input.Builds == nil {
				st.input.Builds = map[string]core.BuildDigest{}
			}
			st.input.Builds[svc.Instance] = d
		}
		if svc.Image != "" {
			byInstance[svc.Instance] = svc.Image
			if !slices.Contains(refs, svc.Image) {
				refs = append(refs, svc.Image)
			}
		}
	}
	ids, err := rt.ImageIDs(ctx, refs)
	if err != nil {
		return fmt.Errorf("look up the images of stack %q: %w", st.name, err)
	}
	st.input.Images = map[string]string{}
	for inst, ref := range byInstance {
		if id, ok := ids[ref]; ok {
			st.input.Images[inst] = id
		}
	}
	return nil
}

// checkAppliedRuntime refuses to plan, apply or destroy stack name on rt
// when it is bound to another kind of runtime (its applied snapshot was
// made there): rt sees none of its containers, so a plan would show them
// all as drift and an apply would run a second copy. A stack bound to none
// may be used on any.
func checkAppliedRuntime(name string, binding *store.RuntimeBinding, rt runtime.Runtime) error {
	if binding == nil {
		return nil
	}
	was, now := binding.Kind, rt.Kind()
	if was == now {
		return nil
	}
	return errorf(api.CodeConflict,
		fmt.Sprintf("use `--runtime %s` (or DEVARCH_RUNTIME=%s); to move the stack to %s, run `destroy %s --runtime %s` first",
			was, was, now, name, was),
		"stack %q was applied with runtime %s, not %s: its containers run on %s", name, was, now, was)
}

// foreignContainers returns containers that carry a name of this stack
// (desired or applied) without this stack's labels. They are never touched.
func (s *Service) foreignContainers(ctx context.Context, rt runtime.Runtime, st *stackState) ([]runtime.Container, error) {
	set := map[string]bool{}
	for _, svc := range st.desired.Services {
		set[core.ContainerName(st.name, svc.Instance)] = true
	}
	if st.applied != nil {
		for _, svc := range st.applied.Desired.Services {
			set[core.ContainerName(st.name, svc.Instance)] = true
		}
	}
	// A name the stack's own live containers hold is no other container's
	// (the engine's names are unique): only the rest needs looking up, so
	// a running stack costs no second listing and inspection.
	for _, c := range st.live {
		if n := strings.TrimPrefix(c.Name, "/"); set[n] && c.Managed() && c.Labels[core.LabelStack] == st.name {
			delete(set, n)
		}
	}
	if len(set) == 0 {
		return nil, nil
	}
	names := slices.Sorted(maps.Keys(set))
	found, err := rt.ContainersNamed(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("look up containers of stack %q by name: %w", st.name, err)
	}
	var foreign []runtime.Container
	for _, c := range found {
		c.Name = strings.TrimPrefix(c.Name, "/")
		if !set[c.Name] {
			continue
		}
		if c.Managed() && c.Labels[core.LabelStack] == st.name {
			continue
		}
		foreign = append(foreign, c)
	}
	slices.SortFunc(foreign, func(a, b runtime.Container) int { return strings.Compare(a.Name, b.Name) })
	return foreign, nil
}

func liveContainers(cs []runtime.Container) []plan.LiveContainer {
	out := make([]plan.LiveContainer, 0, len(cs))
	for _, c := range cs {
		out = append(out, plan.LiveContainer{
			Name:     strings.TrimPrefix(c.Name, "/"),
			Instance: c.Instance(),
			State:    c.State,
			Health:   c.Health,
			Image:    c.Image,
			Lineage:  c.Labels[core.LabelLineage],
		})
	}
	slices.SortFunc(out, func(a, b plan.LiveContainer) int { return strings.Compare(a.Instance, b.Instance) })
	return out
}

// foreignInstance names the instance a foreign container collides with.
func (st *stackState) foreignInstance(c runtime.Container) string {
	return strings.TrimPrefix(c.Name, core.ContainerName(st.name, ""))
}

// warnings lists what the plan shows besides changes: desired-state
// warnings, host ports other stacks also publish, and foreign containers.
func (st *stackState) warnings() []string {
	var out []string
	for _, d := range st.desired.Warnings {
		out = append(out, d.Error())
	}
	if !st.input.Destroy {
		for _, d := range core.PortConflicts(st.desired, st.others) {
			out = append(out, d.Error())
		}
		out = append(out, core.JoinWarnings(st.stack, st.nets, st.rtKind)...)
	}
	for _, c := range st.foreign {
		out = append(out, fmt.Sprintf("container %s %s; it will not be touched", c.Name, apply.ForeignWhat(c)))
	}
	return out
}

// newPlan computes the plan of st and stamps it with an id, time and
// runtime (plan.Compute hashes the state it assumed).
func newPlan(st *stackState, rt runtime.Runtime) plan.Plan {
	p := plan.Compute(st.input)
	p.ID = randid.Hex(8)
	p.Stack = st.name
	p.Lineage = st.desired.Lineage
	p.Serial = st.desired.Serial
	p.CreatedAt = time.Now().UTC()
	p.Runtime = rt.Name()
	p.Destroy = st.input.Destroy
	for _, w := range st.warnings() {
		if !slices.Contains(p.Warnings, w) {
			p.Warnings = append(p.Warnings, w)
		}
	}
	return p
}

// planStack computes a plan of stack name against its applied snapshot and
// live containers. pending, when set, is a definition that replaces the
// stored one when the plan is applied (an import over an existing stack);
// it must carry the stored stack's lineage and serial. The caller holds the
// stack's lock.
func (s *Service) planStack(ctx context.Context, name string, rt runtime.Runtime, pending *pendingStack, destroy bool) (plan.Plan, error) {
	st, err := s.loadState(ctx, name, rt, pending, destroy, fileContents{})
	if err != nil {
		return plan.Plan{}, err
	}
	return newPlan(st, rt), nil
}

// startStopped ends, in the desired state the plan is computed from, the
// stop of the named instances (every instance's when names is empty) and
// returns the ones that were stopped, sorted. The store is not touched:
// the apply records it once they run.
func (st *stackState) startStopped(names []string) []string {
	var out []string
	for i := range st.desired.Services {
		svc := &st.desired.Services[i]
		if svc.Stopped && (len(names) == 0 || slices.Contains(names, svc.Instance)) {
			svc.Stopped = false
			out = append(out, svc.Instance)
		}
	}
	st.input.Desired = st.desired
	return out
}
