package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// ImagesParams is one build or pull job, prepared under the stack's lock.
type ImagesParams struct {
	Job       api.Job
	Stack     string
	Runtime   runtime.Runtime
	Desired   core.Desired // unredacted: the build's arguments may be secret
	Instances []string     // the instances whose images are built or pulled
	// Pull pulls the instances' images; otherwise they are built.
	Pull bool
	// PullTimeout bounds each image's pull (0: runtime.DefaultPullTimeout).
	PullTimeout time.Duration
}

// StartImages starts the job that builds or pulls p's images, without
// applying: the containers keep running what they run until the next
// apply (whose plan then shows their images moved). The job releases the
// stack's lock when it ends.
func (s *Runner) StartImages(p ImagesParams, release func()) (api.Job, error) {
	secrets := core.OutputSecrets(&p.Desired, nil)
	rt := newScrubbingRuntime(p.Runtime, core.NewScrubber(secrets,
		append(core.PublicNames(&p.Desired, nil), core.Names(&p.Desired, nil)...)))
	job, err := s.Jobs.StartOwnText(p.Job, func(ctx context.Context, emit func(instance, msg string)) (string, error) {
		defer release()
		var err error
		if p.Pull {
			err = pull(ctx, rt, p, emit)
		} else {
			err = s.build(ctx, rt, p.Stack, p.Desired, p.Instances, emit)
		}
		if err != nil {
			state := api.JobFailed
			if ctx.Err() != nil {
				state = api.JobCancelled
			}
			instance, msg := describeFailure(err, ctx.Err() != nil)
			return "", &jobs.Failure{State: state, Instance: instance, Err: errors.New(msg)}
		}
		verb := "built"
		if p.Pull {
			verb = "pulled"
		}
		return fmt.Sprintf("%s the images of %s; apply %s runs them.", verb, strings.Join(p.Instances, ", "), p.Stack), nil
	}, secrets)
	if err != nil {
		release() // the run function never runs
		return api.Job{}, err
	}
	return job, nil
}

// pull pulls the images of p's instances, each once.
func pull(ctx context.Context, rt runtime.Runtime, p ImagesParams, emit func(instance, msg string)) error {
	var refs []string
	for _, inst := range p.Instances {
		svc, ok := p.Desired.Service(inst)
		if !ok || svc.Image == "" {
			continue
		}
		if !contains(refs, svc.Image) {
			refs = append(refs, svc.Image)
			emit(inst, "pull "+svc.Image)
		}
	}
	return rt.Pull(ctx, refs, p.PullTimeout, func(line string) { emit("", line) })
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
