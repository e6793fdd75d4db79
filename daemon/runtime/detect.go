package runtime

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// detectTimeout bounds each engine probe of Detect.
const detectTimeout = 10 * time.Second

// Detect picks the engine that answers: the docker binary when `docker
// info` succeeds (with env applied, so DOCKER_HOST and DOCKER_CONTEXT count),
// else podman when `podman info` does, unless env names a Docker engine
// (DOCKER_HOST or DOCKER_CONTEXT): then that engine not answering is the
// error. Neither answering is an error that says what each probe reported.
func Detect(env map[string]string) (Spec, error) {
	var reports []string
	probe := func(kind, bin string) bool {
		path, err := exec.LookPath(bin)
		if err != nil {
			reports = append(reports, bin+": not found on PATH")
			return false
		}
		e := &Engine{kind: kind, cli: path, env: env}
		ctx, cancel := context.WithTimeout(context.Background(), detectTimeout)
		defer cancel()
		if _, err := e.output(ctx, e.cliCmd(ctx, "info", "--format", "{{json .}}"), nil); err != nil {
			reports = append(reports, fmt.Sprintf("%s info: %v", bin, err))
			return false
		}
		return true
	}
	if probe(KindDocker, "docker") {
		return Spec{Kind: KindDocker, Binary: "docker", Env: env}, nil
	}
	// An engine named by DOCKER_HOST or DOCKER_CONTEXT is the one meant:
	// when it does not answer, that is the error, not another engine.
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT"} {
		if v := env[k]; v != "" {
			return Spec{}, fmt.Errorf("the Docker engine %s=%s names does not answer (%s); start it, or unset %s to let devarch choose",
				k, v, strings.Join(reports, "; "), k)
		}
	}
	if probe(KindPodman, "podman") {
		return Spec{Kind: KindPodman, Binary: "podman", Env: env}, nil
	}
	return Spec{}, fmt.Errorf("no container engine answered (%s); start Docker (dockerd) or install Podman, or set DOCKER_HOST",
		strings.Join(reports, "; "))
}
