package apply

import (
	"context"
	"fmt"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// upLists splits d's enabled instances into those compose up starts and
// those it only creates or updates: the ones the user stopped (see
// core.Instance.Stopped) and the ones scaled to zero replicas (which a
// named `up` might scale up).
func upLists(d core.Desired) (start, stopped []string) {
	for _, svc := range d.Services {
		switch {
		case !svc.Enabled:
		case svc.Stopped || (svc.Replicas != nil && *svc.Replicas == 0):
			stopped = append(stopped, svc.Instance)
		default:
			start = append(start, svc.Instance)
		}
	}
	return start, stopped
}

// hasStopped reports whether the user stopped an enabled instance of d.
func hasStopped(d core.Desired) bool {
	for _, svc := range d.Services {
		if svc.Enabled && svc.Stopped {
			return true
		}
	}
	return false
}

// up brings project up from yaml: rt.Up, or, when the user stopped some
// of d's instances, rt's UpServices so that they are never started.
func up(ctx context.Context, rt runtime.Runtime, project string, yaml []byte, dir string, d core.Desired, progress func(string)) error {
	if !hasStopped(d) {
		return rt.Up(ctx, project, yaml, dir, progress)
	}
	su, ok := rt.(runtime.ServiceUpper)
	if !ok {
		return fmt.Errorf("runtime %s cannot leave stopped instances stopped; start them (`devarch start %s`) or apply with --start", rt.Kind(), d.Stack)
	}
	start, stopped := upLists(d)
	return su.UpServices(ctx, project, yaml, dir, start, stopped, progress)
}

// UpServices passes on to the runtime's UpServices, scrubbed; a runtime
// without it is runtime.ErrUnsupported.
func (s *scrubbingRuntime) UpServices(ctx context.Context, project string, composeYAML []byte, workdir string, start, stopped []string, progress func(string)) error {
	su, ok := s.Runtime.(runtime.ServiceUpper)
	if !ok {
		return fmt.Errorf("runtime %s: leave instances stopped: %w", s.Runtime.Kind(), runtime.ErrUnsupported)
	}
	return s.err(su.UpServices(ctx, project, composeYAML, workdir, start, stopped, s.progress(progress)))
}

// endStops clears the stop intent of instances of stack in its stored
// definition (the serial stays: a stop is intent, not definition).
func endStops(tx *store.Tx, stack string, instances []string) error {
	if len(instances) == 0 {
		return nil
	}
	st, err := tx.GetStack(stack)
	if err != nil {
		return fmt.Errorf("record the start of %v: %w", instances, err)
	}
	for i := range st.Instances {
		if slices.Contains(instances, st.Instances[i].Name) {
			st.Instances[i].Stopped = false
		}
	}
	return tx.PutStack(st)
}
