package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// Images starts a job that builds (op "build") or pulls (op "pull") the
// images of stack name's enabled instances, or of the ones req names,
// without applying. build takes the instances that build their image,
// pull the others. It holds the stack's exclusive lock while it runs.
func (s *Service) Images(ctx context.Context, c Caller, name, op string, req api.ImagesRequest) (api.Job, error) {
	rt, _, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		return api.Job{}, err
	}
	var d core.Desired
	if err := s.store.View(func(tx *store.Tx) error {
		st, err := state.Stack(tx, name)
		if err != nil {
			return err
		}
		tpls, err := state.Templates(tx)
		if err != nil {
			return err
		}
		d, err = core.Build(st, tpls)
		return err
	}); err != nil {
		return api.Job{}, err
	}
	job := api.Job{ID: randid.Hex(8), Stack: name, Operation: op}
	instances, err := imageInstances(d, op, req.Instances)
	if err != nil {
		return api.Job{}, err
	}
	if len(instances) == 0 {
		what := "builds its image: nothing to build"
		if op == "pull" {
			what = "runs a prebuilt image: nothing to pull"
		}
		return s.runner.Jobs.Record(job, fmt.Sprintf("Stack %q has no enabled instance that %s.", name, what)), nil
	}
	if op == "build" {
		for _, inst := range instances {
			svc, _ := d.Service(inst)
			if err := core.CheckBuildPaths("instances."+inst+".build", *svc.Build, statPath); err != nil {
				return api.Job{}, err
			}
		}
	}
	release, err := s.locks.Acquire(ctx, api.LockInfo{
		Stack: name, Operation: op, JobID: job.ID, Who: c.Who, PID: c.PID, Exclusive: true,
	}, time.Duration(req.LockTimeout))
	if err != nil {
		return api.Job{}, err
	}
	return s.runner.StartImages(apply.ImagesParams{
		Job: job, Stack: name, Runtime: rt, Desired: d, Instances: instances,
		Pull: op == "pull", PullTimeout: time.Duration(req.Timeout),
	}, release)
}

// imageInstances picks the instances of d a build or pull is about: the
// named ones, which must be enabled and build (build) or run a prebuilt
// image (pull), or else every enabled one that does (maybe none).
func imageInstances(d core.Desired, op string, named []string) ([]string, error) {
	builds := op == "build"
	if len(named) == 0 {
		var out []string
		for _, svc := range d.Services {
			if svc.Enabled && (svc.Build != nil) == builds {
				out = append(out, svc.Instance)
			}
		}
		return out, nil // none: nothing to do
	}
	var out []string
	for _, inst := range named {
		svc, ok := d.Service(inst)
		switch {
		case !ok:
			return nil, errorf(api.CodeNotFound, "", "stack %q has no instance %q", d.Stack, inst)
		case !svc.Enabled:
			return nil, core.Errf("instances", fmt.Sprintf("instance %s is disabled", inst))
		case builds && svc.Build == nil:
			return nil, core.Errf("instances", fmt.Sprintf("instance %s does not build its image (it runs %s); `pull` fetches it", inst, svc.Image))
		case !builds && svc.Build != nil:
			return nil, core.Errf("instances", fmt.Sprintf("instance %s builds its image %s; `build` makes it", inst, svc.Image))
		}
		if !slices.Contains(out, inst) {
			out = append(out, inst)
		}
	}
	return out, nil
}
