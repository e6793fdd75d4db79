//go:build e2e

package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// The methods in this file exist for end-to-end tests, which may not run
// engine commands themselves: they build and tag test images, run and
// remove containers devarch does not manage, and run commands inside
// containers. The daemon never calls them.

// BuildImage builds contextDir (which holds a Dockerfile) as tag.
func (e *Engine) BuildImage(ctx context.Context, contextDir, tag string) error {
	_, err := e.output(ctx, e.cliCmd(ctx, "build", "-q", "-t", tag, contextDir), nil)
	if err != nil {
		return fmt.Errorf("build image %s: %w", tag, err)
	}
	return nil
}

// ImageLabel returns label key of the local image ref, or "" when the image
// or the label is missing.
func (e *Engine) ImageLabel(ctx context.Context, ref, key string) (string, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, "image", "inspect", "--format", "{{json .Config.Labels}}", ref), nil)
	if err != nil {
		if notFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	var labels map[string]string
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &labels); err != nil {
		return "", fmt.Errorf("inspect image %s: labels: %w", ref, err)
	}
	return labels[key], nil
}

// TagImage gives image src the extra name dst.
func (e *Engine) TagImage(ctx context.Context, src, dst string) error {
	if _, err := e.output(ctx, e.cliCmd(ctx, "tag", src, dst), nil); err != nil {
		return fmt.Errorf("tag image %s as %s: %w", src, dst, err)
	}
	return nil
}

// RemoveImage removes the image names refs; missing ones are ignored.
func (e *Engine) RemoveImage(ctx context.Context, refs ...string) error {
	for _, ref := range refs {
		if _, err := e.output(ctx, e.cliCmd(ctx, "image", "rm", ref), nil); err != nil && !notFound(err) {
			return fmt.Errorf("remove image %s: %w", ref, err)
		}
	}
	return nil
}

// RunContainer starts a detached container called name: `run -d --name
// NAME ARGS...` where args holds run options, the image and its command.
// It returns the container id.
func (e *Engine) RunContainer(ctx context.Context, name string, args ...string) (string, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, append([]string{"run", "-d", "--name", name}, args...)...), nil)
	if err != nil {
		return "", fmt.Errorf("run container %s: %w", name, err)
	}
	return strings.TrimSpace(out), nil
}

// RemoveContainers force-removes the named containers; missing ones are
// ignored.
func (e *Engine) RemoveContainers(ctx context.Context, names ...string) error {
	for _, n := range names {
		if _, err := e.output(ctx, e.cliCmd(ctx, "rm", "-f", n), nil); err != nil && !notFound(err) {
			return fmt.Errorf("remove container %s: %w", n, err)
		}
	}
	return nil
}

// Exec runs cmd in container and returns its stdout; a non-zero exit is
// an error carrying its stderr.
func (e *Engine) Exec(ctx context.Context, container string, cmd ...string) (string, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, append([]string{"exec", container}, cmd...)...), nil)
	if err != nil {
		return out, fmt.Errorf("exec in %s: %w", container, err)
	}
	return out, nil
}

// RemoveProject removes every container, network and volume of compose
// project, with no compose file needed.
func (e *Engine) RemoveProject(ctx context.Context, project string) error {
	cmd := e.composeCmd(ctx, "-p", project, "down", "--remove-orphans", "--volumes")
	cmd.Dir = "/"
	if _, err := e.output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("remove project %s: %w", project, err)
	}
	return nil
}

// ComposeUpWait runs plain `compose -p PROJECT -f FILE up -d --wait` in
// FILE's directory: what a user without devarch runs, for the benchmarks
// that compare the two. --wait returns once every service is running and
// healthy.
func (e *Engine) ComposeUpWait(ctx context.Context, project, file string) error {
	cmd := e.composeCmd(ctx, "-p", project, "-f", file, "up", "-d", "--wait")
	cmd.Dir = filepath.Dir(file)
	if _, err := e.output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("compose up %s: %w", project, err)
	}
	return nil
}

// ComposeDownFile runs plain `compose -p PROJECT -f FILE down
// --remove-orphans --volumes` in FILE's directory.
func (e *Engine) ComposeDownFile(ctx context.Context, project, file string) error {
	cmd := e.composeCmd(ctx, "-p", project, "-f", file, "down", "--remove-orphans", "--volumes")
	cmd.Dir = filepath.Dir(file)
	if _, err := e.output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("compose down %s: %w", project, err)
	}
	return nil
}

// NetworkDNSEnabled reports whether containers on network resolve each
// other's names. Docker's user-defined networks always do; a Podman network
// does when it says dns_enabled (netavark with aardvark-dns, or CNI with the
// dnsname plugin installed).
func (e *Engine) NetworkDNSEnabled(ctx context.Context, network string) (bool, error) {
	if e.kind != KindPodman {
		return true, nil
	}
	out, err := e.output(ctx, e.cliCmd(ctx, "network", "inspect", "--format", "{{.DNSEnabled}}", network), nil)
	if err != nil {
		return false, fmt.Errorf("inspect network %s: %w", network, err)
	}
	return strings.TrimSpace(out) == "true", nil
}

// CLI runs the engine's own command-line tool (docker or podman) with args,
// adding env (KEY=VALUE entries, which win over the process environment),
// and returns its stdout and stderr; a non-zero exit is an error carrying
// the reason stderr gives. Tests run devarch as a docker CLI plugin with it.
func (e *Engine) CLI(ctx context.Context, env []string, args ...string) (stdout, stderr string, err error) {
	cmd := e.cliCmd(ctx, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = "/"
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := proc.Run(ctx, cmd); err != nil {
		return out.String(), errb.String(), proc.CommandError(ctx, cmd, err, errb.String())
	}
	return out.String(), errb.String(), nil
}

func notFound(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "no such") || strings.Contains(s, "not found") || strings.Contains(s, "not known")
}

// ComposeConfigFile runs plain `compose -p PROJECT -f FILE config` in
// FILE's directory, discarding the rendered project: what a user without
// devarch runs to check a compose file, for the benchmarks that compare
// devarch's plan with it.
func (e *Engine) ComposeConfigFile(ctx context.Context, project, file string) error {
	cmd := e.composeCmd(ctx, "-p", project, "-f", file, "config")
	cmd.Dir = filepath.Dir(file)
	if _, err := e.output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("compose config %s: %w", project, err)
	}
	return nil
}
