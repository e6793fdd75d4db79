package service

// The everyday verbs on a stack's containers: stop, start, restart, port,
// and the targets of exec and run, which the CLI runs in the user's
// terminal (the daemon never holds one).

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
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// stackRuntimeSpec is stackRuntime with the spec it opened (detection
// filled in), which the CLI needs to run exec and run itself.
func (s *Service) stackRuntimeSpec(stack string, spec api.RuntimeSpec) (runtime.Runtime, runtime.Spec, error) {
	if _, err := s.storedStack(stack); err != nil {
		return nil, runtime.Spec{}, err
	}
	binding, err := s.binding(stack)
	if err != nil {
		return nil, runtime.Spec{}, err
	}
	rt, used, err := s.openRuntime(boundRuntime(runtimeSpec(spec), binding))
	if err != nil {
		return nil, runtime.Spec{}, err
	}
	if err := checkAppliedRuntime(stack, binding, rt); err != nil {
		return nil, runtime.Spec{}, err
	}
	return rt, used, nil
}

// instanceContainers returns stack's containers labeled with one of
// instances (every instance's when instances is empty), sorted by name.
// An instance with no container, or one the stack does not define, is a
// not-found error naming stack and instance.
func (s *Service) instanceContainers(ctx context.Context, rt runtime.Runtime, stack string, instances []string) ([]runtime.Container, error) {
	st, err := s.storedStack(stack)
	if err != nil {
		return nil, err
	}
	for _, name := range instances {
		if _, ok := st.Instance(name); !ok {
			return nil, errorf(api.CodeNotFound, "run `instance ls "+stack+"` to list its instances",
				"stack %q has no instance %q", stack, name)
		}
	}
	cs, err := rt.Containers(ctx, stack)
	if err != nil {
		return nil, err
	}
	var out []runtime.Container
	for _, c := range cs {
		// Containers filters on the stack label; the instance label must
		// match too, so a container of another stack is never touched.
		if c.Labels[core.LabelStack] != stack || c.Instance() == "" {
			continue
		}
		if len(instances) == 0 || slices.Contains(instances, c.Instance()) {
			out = append(out, c)
		}
	}
	for _, name := range instances {
		if !slices.ContainsFunc(out, func(c runtime.Container) bool { return c.Instance() == name }) {
			return nil, errorf(api.CodeNotFound, "run `apply "+stack+"` to create it",
				"instance %q of stack %q has no container", name, stack)
		}
	}
	if len(out) == 0 {
		return nil, errorf(api.CodeNotFound, "run `apply "+stack+"` first", "stack %q has no containers", stack)
	}
	return out, nil
}

// instanceContainer is the one container of instance, preferring a
// running one (an instance with replicas has several).
func (s *Service) instanceContainer(ctx context.Context, rt runtime.Runtime, stack, instance string) (runtime.Container, error) {
	cs, err := s.instanceContainers(ctx, rt, stack, []string{instance})
	if err != nil {
		return runtime.Container{}, err
	}
	for _, c := range cs {
		if c.State == "running" {
			return c, nil
		}
	}
	return runtime.Container{}, errorf(api.CodeConflict, "run `start "+stack+" "+instance+"` first",
		"instance %q of stack %q is not running (container %s is %s)", instance, stack, containerName(cs[0]), cs[0].State)
}

func containerName(c runtime.Container) string { return strings.TrimPrefix(c.Name, "/") }

// ExecTarget is the running container of instance and the engine it runs
// on, for the CLI's `exec`.
func (s *Service) ExecTarget(ctx context.Context, stack, instance string, spec api.RuntimeSpec) (api.ExecTarget, error) {
	rt, used, err := s.stackRuntimeSpec(stack, spec)
	if err != nil {
		return api.ExecTarget{}, err
	}
	c, err := s.instanceContainer(ctx, rt, stack, instance)
	if err != nil {
		return api.ExecTarget{}, err
	}
	return api.ExecTarget{Stack: stack, Instance: instance, Runtime: apiSpec(used), Container: containerName(c)}, nil
}

// RunTarget is what the CLI's `run` needs for a one-off container of
// instance: the engine, and the stack's compose project as last applied
// (config files materialized where apply put them), secret values in
// plaintext for the CLI to write to a 0600 file. The instance must be
// applied and enabled.
func (s *Service) RunTarget(ctx context.Context, stack, instance string, spec api.RuntimeSpec) (api.RunTarget, error) {
	_, used, err := s.stackRuntimeSpec(stack, spec)
	if err != nil {
		return api.RunTarget{}, err
	}
	if used.Kind == runtime.KindSwarm {
		return api.RunTarget{}, errorf(api.CodeInvalid, "use `exec` on the node that runs the task",
			"run %s %s: the swarm runtime runs services, not one-off containers", stack, instance)
	}
	var ap store.Applied
	err = s.store.View(func(tx *store.Tx) error {
		var err error
		ap, err = tx.GetApplied(stack)
		return err
	})
	if store.IsNotFound(err) {
		return api.RunTarget{}, errorf(api.CodeNotFound, "run `apply "+stack+"` first", "stack %q is not applied", stack)
	}
	if err != nil {
		return api.RunTarget{}, err
	}
	svc, ok := ap.Desired.Service(instance)
	if !ok || !svc.Enabled {
		return api.RunTarget{}, errorf(api.CodeNotFound, "run `apply "+stack+"` to apply it",
			"instance %q of stack %q is not applied", instance, stack)
	}
	yaml, err := compose.Generate(ap.Desired, compose.Options{ShowSecrets: true, FilesDir: s.filesDir(stack)})
	if err != nil {
		return api.RunTarget{}, err
	}
	s.log.Info("run target handed out", "stack", stack, "instance", instance)
	return api.RunTarget{Stack: stack, Instance: instance, Runtime: apiSpec(used), Project: core.ProjectName(stack),
		Service: instance, ComposeYAML: string(yaml), Workdir: s.filesDir(stack)}, nil
}

// Ports lists the published ports of instance's container.
func (s *Service) Ports(ctx context.Context, stack, instance string, spec api.RuntimeSpec) ([]api.PortBinding, error) {
	rt, err := s.stackRuntime(stack, spec)
	if err != nil {
		return nil, err
	}
	ctl, err := control(rt, "port", stack)
	if err != nil {
		return nil, err
	}
	c, err := s.instanceContainer(ctx, rt, stack, instance)
	if err != nil {
		return nil, err
	}
	ps, err := ctl.Ports(ctx, containerName(c))
	if err != nil {
		return nil, runtimeErr(err, "port %s %s", stack, instance)
	}
	out := make([]api.PortBinding, 0, len(ps))
	for _, p := range ps {
		out = append(out, api.PortBinding{Private: p.Private, HostIP: p.HostIP, HostPort: p.HostPort})
	}
	return out, nil
}

// Control actions.
const (
	ActionStop    = "stop"
	ActionStart   = "start"
	ActionRestart = "restart"
)

// Control stops, starts or restarts the containers of req.Instances (all
// of the stack's when empty), under the stack's exclusive lock, after
// checking each carries the stack's and its instance's labels.
func (s *Service) Control(ctx context.Context, c Caller, stack, action string, req api.ControlRequest) (api.ControlResult, error) {
	rt, err := s.stackRuntime(stack, req.Runtime)
	if err != nil {
		return api.ControlResult{}, err
	}
	ctl, err := control(rt, action, stack)
	if err != nil {
		return api.ControlResult{}, err
	}
	wait := time.Duration(req.LockTimeout)
	if wait == 0 {
		wait = s.editLockWait
	}
	release, err := s.locks.Acquire(ctx, api.LockInfo{Stack: stack, Operation: action, Who: c.Who, PID: c.PID, Exclusive: true}, wait)
	if err != nil {
		return api.ControlResult{}, err
	}
	defer release()
	cs, err := s.instanceContainers(ctx, rt, stack, req.Instances)
	if err != nil {
		return api.ControlResult{}, err
	}
	out := api.ControlResult{Stack: stack, Action: action, Containers: []api.ControlledInstance{}}
	var names []string
	for _, ct := range cs {
		names = append(names, containerName(ct))
		out.Containers = append(out.Containers, api.ControlledInstance{Instance: ct.Instance(), Container: containerName(ct)})
	}
	switch action {
	case ActionStop:
		err = ctl.Stop(ctx, names)
	case ActionStart:
		err = ctl.Start(ctx, names)
	case ActionRestart:
		err = ctl.Restart(ctx, names)
	default:
		err = errorf(api.CodeInvalid, "", "action %q is unknown; want stop, start or restart", action)
	}
	if err != nil {
		return api.ControlResult{}, runtimeErr(err, "%s stack %q", action, stack)
	}
	// A stop is recorded as intended, so plan and apply leave the
	// instances stopped; a start or restart ends that intent.
	var insts []string
	for _, ci := range out.Containers {
		if !slices.Contains(insts, ci.Instance) {
			insts = append(insts, ci.Instance)
		}
	}
	if err := s.setStopped(stack, insts, action == ActionStop); err != nil {
		return api.ControlResult{}, fmt.Errorf("%s stack %q: done on the containers, but recording the stop intent failed: %w", action, stack, err)
	}
	s.log.Info("containers "+action, "stack", stack, "containers", names, "by", c.Who)
	return out, nil
}

// setStopped records (stopped) or clears the stop intent of instances of
// stack (every instance's when instances is empty). It is intent, not
// definition: the serial stays, so no saved plan's serial moves, though
// a plan made before is stale (its desired state changed).
func (s *Service) setStopped(stack string, instances []string, stopped bool) error {
	return s.store.Update(func(tx *store.Tx) error {
		st, err := tx.GetStack(stack)
		if err != nil {
			return err
		}
		changed := false
		for i := range st.Instances {
			inst := &st.Instances[i]
			if (len(instances) == 0 || slices.Contains(instances, inst.Name)) && inst.Stopped != stopped {
				inst.Stopped, changed = stopped, true
			}
		}
		if !changed {
			return nil
		}
		st.UpdatedAt = time.Now().UTC()
		return tx.PutStack(st)
	})
}

// control is rt's container control; a runtime without it (swarm) is an
// invalid request naming the verb and the stack.
func control(rt runtime.Runtime, verb, stack string) (runtime.Control, error) {
	ctl, ok := rt.(runtime.Control)
	if !ok {
		return nil, errorf(api.CodeInvalid, "", "%s stack %q: runtime %s has no container control", verb, stack, rt.Kind())
	}
	return ctl, nil
}

func apiSpec(s runtime.Spec) api.RuntimeSpec {
	return api.RuntimeSpec{Kind: s.Kind, Binary: s.Binary, Env: s.Env}
}

// runtimeErr is err of the runtime with what was asked in front: an
// invalid request when the runtime cannot do it (swarm), else a runtime
// failure. An *Error of the service passes through.
func runtimeErr(err error, format string, args ...any) error {
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	code := api.CodeRuntime
	if errors.Is(err, runtime.ErrUnsupported) {
		code = api.CodeInvalid
	}
	return errorf(code, "", format+": %v", append(args, err)...)
}
