package apply

import (
	"context"
	"fmt"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// localImager is a runtime that can tell GenerateSwarm which built images
// its nodes hold (runtime.Swarm).
type localImager interface {
	LocalImages(ctx context.Context) (func(instance, image string) bool, error)
}

// ProjectFile is what rt is handed to run d: the swarm stack file
// (compose.GenerateSwarm, an instance that builds its image allowed only
// when the swarm's single node holds it) on a swarm, else the compose
// project (compose.Generate). Secrets are shown: the file goes to the
// runtime only.
func ProjectFile(ctx context.Context, rt runtime.Runtime, d core.Desired, filesDir string) ([]byte, error) {
	opt := compose.Options{ShowSecrets: true, FilesDir: filesDir}
	if rt.Kind() != runtime.KindSwarm {
		return compose.Generate(d, opt)
	}
	sopt := compose.SwarmOptions{Options: opt}
	if s, ok := rt.(*scrubbingRuntime); ok {
		rt = s.Runtime
	}
	if li, ok := rt.(localImager); ok && needsLocalImage(d) {
		f, err := li.LocalImages(ctx)
		if err != nil {
			return nil, fmt.Errorf("check the swarm's nodes for built images: %w", err)
		}
		sopt.LocalImage = f
	}
	return compose.GenerateSwarm(d, sopt)
}

// needsLocalImage reports whether an enabled instance of d builds its image.
func needsLocalImage(d core.Desired) bool {
	for _, s := range d.Services {
		if s.Enabled && s.Build != nil {
			return true
		}
	}
	return false
}

// upWord is how the runtime's bringing up of a project is named in events.
func upWord(rt runtime.Runtime) string {
	if rt.Kind() == runtime.KindSwarm {
		return "stack deploy "
	}
	return "compose up "
}
