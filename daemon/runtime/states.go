package runtime

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// StateLister is a Runtime that reads the state and health of a stack's
// containers from the engine's container list alone. Docker answers a
// list from a snapshot of its containers, while an inspection waits for
// each container's lock, which containers that are starting or running
// their healthchecks hold: an apply waiting for 50 containers to turn
// healthy polls the list, and inspects once they are.
type StateLister interface {
	// ContainerStates lists the containers labeled devarch.managed=true
	// and devarch.stack=stack with their ID, name, state, health,
	// devarch.instance label and, where the engine's list tells it, the
	// ID of their image (no image name, ports or other labels), sorted by
	// name. ErrUnsupported when the engine's list does not tell
	// health (Podman: its health checks run when containers are
	// inspected, see Engine.inspect).
	ContainerStates(ctx context.Context, stack string) ([]Container, error)
}

// ContainerStates lists the stack's containers over the engine's API
// socket when it has one (see engine_api.go), else runs `ps -a --filter
// label=... --format ...` on Docker:
// the state, the health the status column ends with ("Up 3 seconds
// (healthy)"), and the image ID docker compose labels each container it
// creates with (com.docker.compose.image; compose compares it with the
// service's image to decide a recreate).
func (e *Engine) ContainerStates(ctx context.Context, stack string) ([]Container, error) {
	if e.kind != KindDocker {
		return nil, fmt.Errorf("runtime %s: container states from the list: %w", e.kind, ErrUnsupported)
	}
	if cs, ok, err := e.apiStack(ctx, stack); ok {
		return cs, err
	}
	out, err := e.output(ctx, e.cliCmd(ctx, "ps", "-a", "--no-trunc",
		"--filter", "label="+core.LabelManaged+"=true",
		"--filter", "label="+core.LabelStack+"="+stack,
		"--format", `{{.ID}}	{{.Names}}	{{.State}}	{{.Status}}	{{.Label "`+core.LabelInstance+`"}}	{{.Label "`+composeImageLabel+`"}}`), nil)
	if err != nil {
		return nil, fmt.Errorf("list containers of stack %q: %w", stack, err)
	}
	return parseStates(out, stack), nil
}

// composeImageLabel is the label docker compose puts the ID of a
// container's image in, "sha256:HEX".
const composeImageLabel = "com.docker.compose.image"

// parseStates reads the lines ContainerStates asks `ps` for: ID, names,
// state, status, instance label and image ID label, tab-separated.
func parseStates(out, stack string) []Container {
	var cs []Container
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimRight(l, "\r"), "\t")
		if len(f) != 6 || f[0] == "" {
			continue
		}
		name, _, _ := strings.Cut(f[1], ",")
		image := ""
		if strings.HasPrefix(f[5], "sha256:") {
			image = f[5]
		}
		cs = append(cs, Container{
			ID: f[0], Name: strings.TrimPrefix(name, "/"), State: f[2], Health: statusHealth(f[3]), ImageID: image,
			Labels: map[string]string{core.LabelManaged: "true", core.LabelStack: stack, core.LabelInstance: f[4]},
		})
	}
	slices.SortFunc(cs, func(a, b Container) int { return strings.Compare(a.Name, b.Name) })
	return cs
}

// statusHealth is the health a Docker status column ends with: "Up 2
// seconds (health: starting)", "Up 5 minutes (healthy)", "Up 1 second
// (unhealthy)"; empty without a healthcheck.
func statusHealth(status string) string {
	switch {
	case strings.HasSuffix(status, "(healthy)"):
		return "healthy"
	case strings.HasSuffix(status, "(unhealthy)"):
		return "unhealthy"
	case strings.HasSuffix(status, "(health: starting)"):
		return "starting"
	}
	return ""
}
