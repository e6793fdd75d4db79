// Package runtime is the only code that runs container engines: docker compose v2, Podman and Docker Swarm.
package runtime

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/engineapi"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// Runtime runs compose projects and reads containers on one engine.
type Runtime interface {
	// Name describes the engine and how it is driven, for plan output:
	// "docker compose v2 (context default)".
	Name() string
	// Kind is "docker", "podman" or "swarm".
	Kind() string
	// Up creates or updates project from composeYAML (passed on stdin),
	// removing orphans, without waiting for health. workdir is the project
	// directory relative paths resolve against. progress gets each line the
	// engine prints. A failure is a *ComposeError.
	Up(ctx context.Context, project string, composeYAML []byte, workdir string, progress func(string)) error
	// Down removes project's containers and networks. Volumes stay unless
	// volumes is set: then the project's named volumes (see Volumes) and
	// its containers' anonymous ones go too. composeYAML may be nil.
	Down(ctx context.Context, project string, composeYAML []byte, volumes bool, progress func(string)) error
	// Volumes lists project's named volumes, sorted: those compose created
	// for it, named PROJECT_NAME and labeled com.docker.compose.project=PROJECT.
	Volumes(ctx context.Context, project string) ([]string, error)
	// RemoveVolumes removes the named volumes; a volume a container still
	// uses is an error naming it.
	RemoveVolumes(ctx context.Context, names []string) error
	// Containers lists every container labeled devarch.managed=true and
	// devarch.stack=stack, running or not, sorted by name.
	Containers(ctx context.Context, stack string) ([]Container, error)
	// ContainersNamed returns the containers having one of names, labeled
	// or not, sorted by name. Missing names are left out.
	ContainersNamed(ctx context.Context, names []string) ([]Container, error)
	// Logs calls fn with each output line of the named containers of
	// project, as opts select them.
	Logs(ctx context.Context, project string, containerNames []string, opts LogsOptions, fn func(instance, line string)) error
	// Build builds the images of services (instances) of project, whose
	// compose file composeYAML names their builds, streaming the engine's
	// output to progress. A failure is a *ComposeError with Op "build"
	// holding the failing step's output.
	Build(ctx context.Context, project string, composeYAML []byte, workdir string, services []string, progress func(string)) error
	// Pull pulls each image ref, each within timeout (0: DefaultPullTimeout);
	// an error names the image.
	Pull(ctx context.Context, refs []string, timeout time.Duration, progress func(string)) error
	// ImageIDs resolves refs to the IDs of the local images they name,
	// "sha256:HEX"; a ref with no local image is left out.
	ImageIDs(ctx context.Context, refs []string) (map[string]string, error)
	// RemoveImages removes the local images refs name and returns those it
	// removed; a ref with no local image is left out, one a container
	// still uses is an error naming it.
	RemoveImages(ctx context.Context, refs []string) ([]string, error)
}

// ServiceUpper is a Runtime that can bring a project up leaving some of
// its services stopped (the compose engines; a swarm has no stopped
// services).
type ServiceUpper interface {
	// UpServices is Up starting only the services of start and creating
	// or updating those of stopped without starting them.
	UpServices(ctx context.Context, project string, composeYAML []byte, workdir string, start, stopped []string, progress func(string)) error
}

// LogsOptions select the output Logs streams.
type LogsOptions struct {
	Follow     bool   // keep streaming until ctx ends
	Tail       int    // > 0: lines of history per container
	Since      string // a duration (10m) or a time, as the engine's logs --since takes it
	Timestamps bool   // each line starts with its time
}

// Container is one engine container as inspected.
type Container struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
	// ImageID is the ID of the image the container was created from,
	// "sha256:HEX"; empty when the engine does not say.
	ImageID string            `json:"image_id,omitempty"`
	State   string            `json:"state"`            // running, exited, created, ...
	Health  string            `json:"health,omitempty"` // healthy, unhealthy, starting; empty without healthcheck
	Ports   string            `json:"ports,omitempty"`  // "0.0.0.0:8080->8080/tcp, ..."
	Labels  map[string]string `json:"labels,omitempty"`
}

// Managed reports whether c carries devarch.managed=true.
func (c Container) Managed() bool { return c.Labels[core.LabelManaged] == "true" }

// Instance is the devarch.instance label of c.
func (c Container) Instance() string { return c.Labels[core.LabelInstance] }

// Spec names an engine and how to drive it.
type Spec struct {
	Kind   string            // KindDocker, KindPodman or KindSwarm
	Binary string            // the engine's command-line binary; empty for the kind's default
	Env    map[string]string // DOCKER_HOST, DOCKER_CONTEXT, ... for every command
}

// Kinds of runtime.
const (
	KindDocker = "docker"
	KindPodman = "podman"
)

// Engine is a Runtime that drives an engine through its command-line tools.
type Engine struct {
	kind    string
	cli     string            // docker or podman binary: ps, inspect, logs, build
	compose []string          // compose command before its arguments: [docker compose] or [podman-compose]
	env     map[string]string // overrides for every command
	socket  string            // podman API socket docker compose talks to, if any
	api     *engineapi.Client // the docker engine's API socket for reads, if local (see engine_api.go)

	nameOnce sync.Once
	name     string
}

// New builds the runtime spec names. It runs nothing.
func New(spec Spec) (Runtime, error) {
	if spec.Kind == KindSwarm {
		return NewSwarm(spec)
	}
	e, err := NewEngine(spec)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// NewEngine builds the engine spec names. Kind "docker" drives
// `BINARY compose` (BINARY defaults to docker); kind "podman" drives
// podman-compose when it is on PATH, else `docker compose` against
// Podman's API socket, with podman (or BINARY) for everything else.
func NewEngine(spec Spec) (*Engine, error) {
	env := map[string]string{}
	for k, v := range spec.Env {
		env[k] = v
	}
	switch spec.Kind {
	case KindDocker:
		bin := spec.Binary
		if bin == "" {
			bin = "docker"
		}
		e := &Engine{kind: KindDocker, cli: bin, compose: []string{bin, "compose"}, env: env}
		if sock := dockerAPISocket(env); sock != "" {
			e.api = apiClient(sock)
		}
		return e, nil
	case KindPodman:
		bin := spec.Binary
		if bin == "" {
			bin = "podman"
		}
		e := &Engine{kind: KindPodman, cli: bin, env: env}
		if pc, err := exec.LookPath("podman-compose"); err == nil {
			e.compose = []string{pc}
			return e, nil
		}
		docker, err := exec.LookPath("docker")
		if err != nil {
			return nil, fmt.Errorf("podman needs podman-compose or docker (for docker compose) on PATH; found neither")
		}
		e.socket = podmanSocket(env)
		e.compose = []string{docker, "compose"}
		return e, nil
	case "":
		return nil, fmt.Errorf("kind is empty; want %q, %q or %q", KindDocker, KindPodman, KindSwarm)
	default:
		return nil, fmt.Errorf("kind %q is unknown; want %q, %q or %q", spec.Kind, KindDocker, KindPodman, KindSwarm)
	}
}

// podmanSocket is the address of Podman's Docker-compatible API: CONTAINER_HOST
// when set, else the rootful socket when present, else the user's.
func podmanSocket(env map[string]string) string {
	if h := lookupEnv(env, "CONTAINER_HOST"); h != "" {
		return h
	}
	const rootful = "/run/podman/podman.sock"
	if _, err := os.Stat(rootful); err == nil || os.Geteuid() == 0 {
		return "unix://" + rootful
	}
	if dir := lookupEnv(env, "XDG_RUNTIME_DIR"); dir != "" {
		return "unix://" + dir + "/podman/podman.sock"
	}
	return fmt.Sprintf("unix:///run/user/%d/podman/podman.sock", os.Geteuid())
}

func lookupEnv(env map[string]string, key string) string {
	if v, ok := env[key]; ok {
		return v
	}
	return os.Getenv(key)
}

// Kind is "docker" or "podman".
func (e *Engine) Kind() string { return e.kind }

// Name describes the engine for plan output, e.g. "docker compose v2
// (context default)" or "podman 4.3 via docker compose
// (unix:///run/podman/podman.sock)". It asks the engine once.
func (e *Engine) Name() string {
	e.nameOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		switch e.kind {
		case KindDocker:
			e.name = "docker compose v2 (" + e.dockerTarget(ctx) + ")"
		case KindPodman:
			ver := "podman"
			if out, err := e.output(ctx, e.cliCmd(ctx, "version", "--format", "{{.Client.Version}}"), nil); err == nil {
				ver = "podman " + majorMinor(strings.TrimSpace(out))
			}
			if e.socket != "" {
				e.name = ver + " via docker compose (" + e.socket + ")"
			} else {
				e.name = ver + " via podman-compose"
			}
		}
	})
	return e.name
}

func (e *Engine) dockerTarget(ctx context.Context) string {
	if h := lookupEnv(e.env, "DOCKER_HOST"); h != "" {
		return "host " + h
	}
	if c := lookupEnv(e.env, "DOCKER_CONTEXT"); c != "" {
		return "context " + c
	}
	if c, ok := configContext(e.env); ok {
		return "context " + c
	}
	if out, err := e.output(ctx, e.cliCmd(ctx, "context", "show"), nil); err == nil && strings.TrimSpace(out) != "" {
		return "context " + strings.TrimSpace(out)
	}
	return "context default"
}

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// environ is the allow-listed process environment (see proc.Environ) with
// e's overrides; compose against Podman gets DOCKER_HOST pointing at its
// socket and no DOCKER_CONTEXT.
func (e *Engine) environ(forCompose bool) []string {
	over := map[string]string{}
	for k, v := range e.env {
		over[k] = v
	}
	if forCompose && e.socket != "" {
		over["DOCKER_HOST"] = e.socket
		return proc.Environ(over, "DOCKER_CONTEXT")
	}
	return proc.Environ(over)
}

// command prepares argv with e's environment as a process of the engine
// (see proc.Command).
func (e *Engine) command(ctx context.Context, forCompose bool, argv ...string) *exec.Cmd {
	return proc.Command(ctx, e.environ(forCompose), argv...)
}

func (e *Engine) cliCmd(ctx context.Context, args ...string) *exec.Cmd {
	return e.command(ctx, false, append([]string{e.cli}, args...)...)
}

func (e *Engine) composeCmd(ctx context.Context, args ...string) *exec.Cmd {
	return e.command(ctx, true, append(append([]string{}, e.compose...), args...)...)
}

// output runs cmd with stdin and returns its stdout (see proc.Output).
func (e *Engine) output(ctx context.Context, cmd *exec.Cmd, stdin []byte) (string, error) {
	return proc.Output(ctx, cmd, stdin)
}
