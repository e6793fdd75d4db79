package apply

import (
	"context"
	"fmt"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// rebuilds lists the instances p builds before it converges.
func rebuilds(p plan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Rebuild {
			out = append(out, c.Instance)
		}
	}
	return out
}

// build builds the images of instances of d through the runtime (compose
// build of those services), streaming the engine's output as the job's
// progress. A failure is the runtime's *ComposeError, holding the failing
// step's output.
func (s *Runner) build(ctx context.Context, rt runtime.Runtime, stack string, d core.Desired, instances []string, emit func(instance, msg string)) error {
	if len(instances) == 0 {
		return nil
	}
	dir := s.FilesDir(stack)
	// The project directory the build runs in holds the config files.
	if err := materialize(dir, d); err != nil {
		return fmt.Errorf("write config files: %w", err)
	}
	yaml, err := compose.Generate(d, compose.Options{ShowSecrets: true, FilesDir: dir})
	if err != nil {
		return fmt.Errorf("generate compose project: %w", err)
	}
	for _, inst := range instances {
		emit(inst, "build "+core.ContainerName(stack, inst))
	}
	return rt.Build(ctx, core.ProjectName(stack), yaml, dir, instances, progressFunc(stack, d, emit))
}

// imageIDs reads the ID of the image each of stack's containers was
// created from, by instance, for the applied snapshot: from cs, stack's
// containers as just read, when it says every one's, else from an
// inspection.
func imageIDs(ctx context.Context, rt runtime.Runtime, stack string, cs []runtime.Container) (map[string]string, error) {
	if cs == nil || slices.ContainsFunc(cs, func(c runtime.Container) bool { return c.ImageID == "" }) {
		var err error
		if cs, err = rt.Containers(ctx, stack); err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
	}
	var out map[string]string
	for _, c := range cs {
		if inst := c.Instance(); inst != "" && c.ImageID != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[inst] = c.ImageID
		}
	}
	return out, nil
}
