package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// verifyFirstPause is the first pause between two checks of a verify; each
// next one is half as long again, up to Timeouts.VerifyInterval. Containers
// just started turn healthy after their first healthcheck run, often well
// within a second: a fixed 1 s pause made an apply wait up to a second
// longer than compose up --wait, which checks every half second.
const verifyFirstPause = 100 * time.Millisecond

// verifyWindow is how long verify waits: t.Verify, or longer when a
// healthcheck that sets its own start period or interval needs more time to
// report healthy (start period plus every retry at its interval; the
// engine's default retries are 3).
func (t Timeouts) verifyWindow(want []core.WiredService) time.Duration {
	window := t.Verify
	for _, svc := range want {
		if !svc.HasHealthcheck() {
			continue
		}
		h := svc.Healthcheck
		if h.Interval == 0 && h.StartPeriod == 0 {
			continue
		}
		interval := cmp.Or(time.Duration(h.Interval), 30*time.Second)
		retries := cmp.Or(h.Retries, 3)
		if need := time.Duration(h.StartPeriod) + time.Duration(retries+1)*interval; need > window {
			window = need
		}
	}
	return window
}

// verify waits until every enabled instance of d has a running container,
// healthy where it has a healthcheck. A container that exited or became
// unhealthy fails at once; one not ready within the window fails then.
// It reads the engine's container list where it can (states) and returns
// the stack's containers as last read (nil when d runs nothing).
func (s *Runner) verify(ctx context.Context, rt runtime.Runtime, d core.Desired, emit func(instance, msg string)) ([]runtime.Container, error) {
	var want []core.WiredService
	for _, svc := range d.Services {
		if svc.Enabled && !svc.Stopped && (svc.Replicas == nil || *svc.Replicas > 0) {
			want = append(want, svc)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	window := s.Timeouts.verifyWindow(want)
	deadline := time.Now().Add(window)
	ready := map[string]bool{}
	pause := min(verifyFirstPause, s.Timeouts.VerifyInterval)
	for {
		cs, err := states(ctx, rt, d.Stack)
		if err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
		waiting, err := checkReady(d.Stack, want, cs, ready, emit)
		if err != nil {
			return nil, err
		}
		if len(waiting) == 0 {
			return cs, nil
		}
		if time.Now().After(deadline) {
			inst := strings.TrimPrefix(strings.SplitN(waiting[0], ":", 2)[0], "instance ")
			return nil, &jobs.Failure{Instance: inst,
				Err: fmt.Errorf("%s after %s", waiting[0], window)}
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		pause = min(pause*3/2, max(s.Timeouts.VerifyInterval, pause))
	}
}

// states reads the state and health of stack's containers: from the
// engine's list where the runtime reads them there (runtime.StateLister),
// else by inspecting them.
func states(ctx context.Context, rt runtime.Runtime, stack string) ([]runtime.Container, error) {
	if sl, ok := rt.(runtime.StateLister); ok {
		cs, err := sl.ContainerStates(ctx, stack)
		if !errors.Is(err, runtime.ErrUnsupported) {
			return cs, err
		}
	}
	return rt.Containers(ctx, stack)
}

// checkReady checks the containers cs of stack against want: the
// instances still waiting, each with why; an error for one that exited or
// is unhealthy. It emits "running" for each instance the first time it is
// ready (ready records them).
func checkReady(stack string, want []core.WiredService, cs []runtime.Container, ready map[string]bool, emit func(instance, msg string)) ([]string, error) {
	byInstance := map[string]runtime.Container{}
	for _, c := range cs {
		byInstance[c.Instance()] = c
	}
	var waiting []string
	for _, svc := range want {
		c, ok := byInstance[svc.Instance]
		name := core.ContainerName(stack, svc.Instance)
		switch {
		case !ok:
			waiting = append(waiting, fmt.Sprintf("instance %s: container %s not found", svc.Instance, name))
		case c.State == "exited" || c.State == "dead" || c.State == "stopped":
			return nil, &jobs.Failure{Instance: svc.Instance,
				Err: fmt.Errorf("instance %s: container %s %s", svc.Instance, name, c.State)}
		case c.Health == "unhealthy":
			return nil, &jobs.Failure{Instance: svc.Instance,
				Err: fmt.Errorf("instance %s: container %s is unhealthy", svc.Instance, name)}
		case c.State != "running" || ((svc.HasHealthcheck() || c.Health == "starting") && c.Health != "healthy"):
			waiting = append(waiting, fmt.Sprintf("instance %s: container %s not ready (state %s, health %s)",
				svc.Instance, name, c.State, cmp.Or(c.Health, "none")))
		case !ready[svc.Instance]:
			ready[svc.Instance] = true
			msg := "running"
			if c.Health == "healthy" {
				msg = "running, healthy"
			}
			emit(svc.Instance, msg)
		}
	}
	return waiting, nil
}
