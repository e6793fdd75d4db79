package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// A failed instance's container is gone once the job rolls back, and with
// it what it printed: before that, the job records as events its last log
// lines and its last healthcheck runs (README.md, "When an apply fails").
// They come through the job's scrubbing runtime, like all its output.
const (
	// evidenceLines is how many of a failed container's last log lines
	// the job records.
	evidenceLines = 30
	// evidenceOutputLines bounds the lines kept of one healthcheck run.
	evidenceOutputLines = 10
	// evidenceTimeout bounds the reading of one container's evidence.
	evidenceTimeout = 20 * time.Second
)

// failedInstances is first (the instance a failure names, when it has a
// container), then every other enabled instance of d whose container
// exited or is unhealthy: the containers whose evidence is kept.
func failedInstances(ctx context.Context, rt runtime.Runtime, d core.Desired, first string) []string {
	var out []string
	if first != "" {
		out = append(out, first)
	}
	if rt.Kind() == runtime.KindSwarm {
		return out
	}
	cs, err := rt.Containers(ctx, d.Stack)
	if err != nil {
		return out
	}
	for _, c := range cs {
		inst := c.Instance()
		if inst == first || inst == "" {
			continue
		}
		if svc, ok := d.Service(inst); !ok || !svc.Enabled {
			continue
		}
		if c.State == "exited" || c.State == "dead" || c.Health == "unhealthy" {
			out = append(out, inst)
		}
	}
	return out
}

// keepEvidence emits, for each of instances, its container's last log
// lines and last healthcheck runs. On a swarm the logs are those of the
// instance's service (every task's, the failed one's among them; the
// failing task's error is the job's) and there are no healthcheck runs to
// read. It returns the instances whose container it found.
func keepEvidence(ctx context.Context, rt runtime.Runtime, stack string, instances []string, emit func(instance, msg string)) []string {
	var found []string
	for _, inst := range instances {
		cctx, cancel := context.WithTimeout(ctx, evidenceTimeout)
		if containerEvidence(cctx, rt, stack, inst, emit) {
			found = append(found, inst)
		}
		cancel()
	}
	return found
}

func containerEvidence(ctx context.Context, rt runtime.Runtime, stack, inst string, emit func(instance, msg string)) bool {
	name := core.ContainerName(stack, inst)
	if rt.Kind() != runtime.KindSwarm {
		cs, err := rt.ContainersNamed(ctx, []string{name})
		if err != nil || len(cs) == 0 {
			return false
		}
	}
	var lines []string
	err := rt.Logs(ctx, core.ProjectName(stack), []string{name}, runtime.LogsOptions{Tail: evidenceLines},
		func(_, line string) {
			lines = append(lines, line)
			if len(lines) > evidenceLines {
				lines = lines[1:]
			}
		})
	switch {
	case err != nil:
		emit(inst, fmt.Sprintf("could not read the logs of container %s: %v", name, err))
	case len(lines) == 0:
		emit(inst, fmt.Sprintf("container %s printed no log lines", name))
	default:
		emit(inst, fmt.Sprintf("last %d log lines of container %s:", len(lines), name))
		for _, l := range lines {
			emit(inst, "  | "+l)
		}
	}
	healthEvidence(ctx, rt, name, inst, emit)
	return true
}

// healthEvidence emits the container's last healthcheck runs, if the
// runtime reads them and any ran.
func healthEvidence(ctx context.Context, rt runtime.Runtime, name, inst string, emit func(instance, msg string)) {
	hr, ok := rt.(runtime.HealthReader)
	if !ok {
		return
	}
	rs, err := hr.HealthLog(ctx, name)
	if errors.Is(err, runtime.ErrUnsupported) {
		return
	}
	if err != nil {
		emit(inst, fmt.Sprintf("could not read the healthcheck runs of container %s: %v", name, err))
		return
	}
	if len(rs) == 0 {
		return
	}
	emit(inst, fmt.Sprintf("last %d healthcheck runs of container %s:", len(rs), name))
	for _, r := range rs {
		head := fmt.Sprintf("  healthcheck at %s exited %d", r.Start.UTC().Format(time.TimeOnly), r.ExitCode)
		out := strings.Split(strings.TrimSpace(r.Output), "\n")
		if len(out) == 1 && out[0] == "" {
			emit(inst, head+", no output")
			continue
		}
		emit(inst, head+":")
		if len(out) > evidenceOutputLines {
			out = out[len(out)-evidenceOutputLines:]
		}
		for _, l := range out {
			emit(inst, "  | "+l)
		}
	}
}

// recoverKeeping is recoverApply with --keep-failed, once the containers
// of the instances in keep are found: the rest rolls back to the previous
// snapshot (or, without one, is removed) while those containers are left
// as they are (the instances ride along in the rollback as stopped ones,
// so compose neither removes nor starts them).
func (s *Runner) recoverKeeping(ctx context.Context, a *applyRun, keep []string, instance, msg string, emit func(instance, msg string)) error {
	rb := keptDesired(a, keep)
	names := make([]string, len(keep))
	for i, inst := range keep {
		names[i] = core.ContainerName(a.stack, inst)
	}
	what := "removing the rest of what it created"
	if a.prev != nil {
		what = "rolling the rest back to the snapshot applied at " + a.prev.AppliedAt.UTC().Format(time.RFC3339)
	}
	emit(instance, fmt.Sprintf("apply failed: %s; keeping container(s) %s (--keep-failed), %s",
		msg, strings.Join(names, ", "), what))
	if _, err := s.converge(ctx, a.rt, a.stack, rb, emit); err != nil {
		_, rbMsg := describeFailure(err, false)
		note := fmt.Sprintf("apply job %s failed (%s) and rolling back around the kept container(s) failed (%s); containers may be in a mixed state",
			a.job.ID, msg, rbMsg)
		partial := store.Applied{Desired: a.plan.Desired, AppliedAt: time.Now().UTC(), JobID: a.job.ID}
		binding := BindingOf(a.spec)
		if a.prev != nil {
			partial, binding = *a.prev, a.prevBinding()
		}
		partial.Partial, partial.Note = true, note
		s.putPartial(a.stack, partial, binding)
		return &jobs.Failure{State: api.JobFailed, Instance: instance,
			Err: fmt.Errorf("%s; rolling back around the kept container(s) failed: %s", msg, rbMsg)}
	}
	emit("", keptHint(a.stack, keep))
	state := api.JobFailed
	if a.prev != nil {
		emit("", "rolled back the other instances to the previous applied snapshot")
		state = api.JobRolledBack
	}
	return &jobs.Failure{State: state, Instance: instance, Err: errors.New(msg)}
}

// keptDesired is what runs after a rollback that keeps the containers of
// keep: the previous snapshot (or nothing), with those instances as the
// failed apply defined them, stopped, so that compose leaves their
// containers alone.
func keptDesired(a *applyRun, keep []string) core.Desired {
	rb := a.plan.Desired
	rb.Services = nil
	if a.prev != nil {
		rb = a.prev.Desired
		rb.Services = append([]core.WiredService(nil), rb.Services...)
	}
	for _, inst := range keep {
		svc, ok := a.plan.Desired.Service(inst)
		if !ok {
			continue
		}
		kept := *svc
		kept.Stopped = true
		if old, ok := rb.Service(inst); ok {
			*old = kept
		} else {
			rb.Services = append(rb.Services, kept)
		}
	}
	// A kept instance's providers may not run in rb: compose's file must
	// not name them (a dependency does not change the container).
	for i := range rb.Services {
		svc := &rb.Services[i]
		if !slices.Contains(keep, svc.Instance) {
			continue
		}
		svc.DependsOn = slices.DeleteFunc(slices.Clone(svc.DependsOn), func(dep core.Dependency) bool {
			_, ok := rb.Service(dep.Instance)
			return !ok
		})
	}
	return rb
}

// keptHint says how to read the kept containers and remove them.
func keptHint(stack string, keep []string) string {
	names := make([]string, len(keep))
	for i, inst := range keep {
		names[i] = core.ContainerName(stack, inst)
	}
	return fmt.Sprintf("kept the failed container(s) %s for inspection: read them with `devarch logs %s %s`, "+
		"then run `devarch apply %s` again (it replaces them) or `devarch destroy %s` (it removes them)",
		strings.Join(names, ", "), stack, keep[0], stack, stack)
}
