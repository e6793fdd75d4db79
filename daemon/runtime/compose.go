package runtime

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// projectArgs are the compose arguments naming project and its file: "-"
// (stdin) for docker compose, a file for podman-compose.
func (e *Engine) projectArgs(project, file, workdir string) []string {
	args := []string{"-p", project}
	if file != "" {
		args = append(args, "-f", file)
	}
	if workdir != "" && e.socketOrDocker() {
		args = append(args, "--project-directory", workdir)
	}
	return args
}

// socketOrDocker reports whether compose is docker compose (which reads
// the project from stdin and takes --project-directory).
func (e *Engine) socketOrDocker() bool { return e.kind == KindDocker || e.socket != "" }

// ComposeFilePattern matches the compose files written for podman-compose,
// which cannot read the project from stdin (see composeFile).
const ComposeFilePattern = ".devarch-compose-*.yml"

// composeFile returns the -f argument for composeYAML and the bytes to
// pass on stdin. podman-compose cannot read stdin, so it gets a 0600 file
// in dir (removed by cleanup) instead.
func (e *Engine) composeFile(composeYAML []byte, dir string) (file string, stdin []byte, cleanup func(), err error) {
	if composeYAML == nil {
		return "", nil, func() {}, nil
	}
	if e.socketOrDocker() {
		return "-", composeYAML, func() {}, nil
	}
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, ComposeFilePattern) // 0600
	if err != nil {
		return "", nil, nil, fmt.Errorf("write compose file for podman-compose: %w", err)
	}
	name := f.Name()
	cleanup = func() { os.Remove(name) }
	if _, err := f.Write(composeYAML); err != nil {
		f.Close()
		cleanup()
		return "", nil, nil, fmt.Errorf("write compose file for podman-compose: %w", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, nil, fmt.Errorf("write compose file for podman-compose: %w", err)
	}
	return name, nil, cleanup, nil
}

// Up runs `compose -p PROJECT -f - [--project-directory WORKDIR] up -d
// --remove-orphans` with composeYAML on stdin. Every line the engine prints
// goes to progress; a failure is a *ComposeError naming the instance when
// the engine's output does. On Podman the project's due health checks run
// meanwhile, so a depends_on condition service_healthy is met without
// systemd (see driveHealthchecks).
func (e *Engine) Up(ctx context.Context, project string, composeYAML []byte, workdir string, progress func(string)) error {
	stop := e.driveHealthchecks(ctx, project)
	defer stop()
	return e.runCompose(ctx, "up", project, composeYAML, workdir, progress, "up", "-d", "--remove-orphans")
}

// UpServices is Up for a project some of whose services the user
// stopped: `up -d --remove-orphans START...` brings up the services of
// start (compose starts what they depend on), then `up --no-start
// --no-deps STOPPED...` creates or recreates the services of stopped
// without starting them; a stopped container whose configuration did not
// change is left as it is. Services of neither list are not orphans
// (they are in the project): nothing removes them.
func (e *Engine) UpServices(ctx context.Context, project string, composeYAML []byte, workdir string, start, stopped []string, progress func(string)) error {
	stop := e.driveHealthchecks(ctx, project)
	defer stop()
	if len(start) > 0 {
		args := append([]string{"up", "-d", "--remove-orphans"}, start...)
		if err := e.runCompose(ctx, "up", project, composeYAML, workdir, progress, args...); err != nil {
			return err
		}
	}
	if len(stopped) == 0 {
		return nil
	}
	args := []string{"up", "--no-start", "--no-deps"}
	if len(start) == 0 {
		args = append(args, "--remove-orphans")
	}
	return e.runCompose(ctx, "up", project, composeYAML, workdir, progress, append(args, stopped...)...)
}

// Down runs `compose -p PROJECT [-f -] down --remove-orphans`, which keeps
// named volumes; with volumes it adds --volumes, which removes the
// project's named volumes and its containers' anonymous ones.
func (e *Engine) Down(ctx context.Context, project string, composeYAML []byte, volumes bool, progress func(string)) error {
	args := []string{"down", "--remove-orphans"}
	if volumes {
		args = append(args, "--volumes")
	}
	return e.runCompose(ctx, "down", project, composeYAML, "", progress, args...)
}

// composeProjectLabel is the label compose puts on what it creates for a
// project: containers, networks, volumes.
const composeProjectLabel = "com.docker.compose.project"

// Volumes runs `volume ls -q --filter label=com.docker.compose.project=PROJECT`
// and keeps the names compose gives a project's volumes, PROJECT_NAME.
func (e *Engine) Volumes(ctx context.Context, project string) ([]string, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, "volume", "ls", "-q", "--filter", "label="+composeProjectLabel+"="+project), nil)
	if err != nil {
		return nil, fmt.Errorf("list volumes of project %s: %w", project, err)
	}
	return projectVolumes(project, out), nil
}

// StackVolumes runs `volume ls -q --filter label=devarch.managed=true
// --filter label=devarch.stack=STACK` and keeps the names devarch gives a
// stack's volumes, devarch-{stack}_NAME: in per-service mode each
// instance's compose project creates the volumes it mounts (labelled
// com.docker.compose.project=devarch-{stack}-{instance}) under those
// names and with those labels, so they are found whichever instance made
// them, even one removed since.
func (e *Engine) StackVolumes(ctx context.Context, stack string) ([]string, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, "volume", "ls", "-q",
		"--filter", "label="+core.LabelManaged+"=true", "--filter", "label="+core.LabelStack+"="+stack), nil)
	if err != nil {
		return nil, fmt.Errorf("list volumes of stack %s: %w", stack, err)
	}
	return projectVolumes(core.ProjectName(stack), out), nil
}

// projectVolumes keeps the names in the output of `volume ls -q` that are
// project's volumes (PROJECT_NAME), sorted and without duplicates.
func projectVolumes(project, out string) []string {
	var names []string
	for _, n := range strings.Fields(out) {
		if strings.HasPrefix(n, project+"_") && len(n) > len(project)+1 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// RemoveVolumes runs `volume rm NAMES...`.
func (e *Engine) RemoveVolumes(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	if _, err := e.output(ctx, e.cliCmd(ctx, append([]string{"volume", "rm"}, names...)...), nil); err != nil {
		return fmt.Errorf("remove volumes %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

func (e *Engine) runCompose(ctx context.Context, op, project string, composeYAML []byte, workdir string, progress func(string), args ...string) error {
	file, stdin, cleanup, err := e.composeFile(composeYAML, workdir)
	if err != nil {
		return err
	}
	defer cleanup()
	cmd := e.composeCmd(ctx, append(e.projectArgs(project, file, workdir), args...)...)
	cmd.Dir = workdir
	if cmd.Dir == "" {
		// No stray compose file in the daemon's directory may be picked up.
		cmd.Dir = "/"
	}
	line := func(l string) {
		if progress != nil && strings.TrimSpace(l) != "" {
			progress(strings.TrimSpace(l))
		}
	}
	stderr, err := proc.Stream(ctx, cmd, stdin, line)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ce := ParseComposeError(op, project, stderr)
		if !proc.ExitErr(err) {
			ce.Reason = fmt.Sprintf("run %s: %v", strings.Join(e.compose, " "), err)
		}
		return ce
	}
	return nil
}

// ComposeConfig runs `compose -f - config` on composeYAML and returns the
// normalized project the engine's compose prints; a project compose rejects
// is a *ComposeError with Op "config".
func (e *Engine) ComposeConfig(ctx context.Context, composeYAML []byte) ([]byte, error) {
	file, stdin, cleanup, err := e.composeFile(composeYAML, "")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "devarch-config-")
	if err != nil {
		return nil, fmt.Errorf("compose config: %w", err)
	}
	defer os.RemoveAll(dir)
	cmd := e.composeCmd(ctx, "-f", file, "--project-directory", filepath.Clean(dir), "config")
	if !e.socketOrDocker() {
		cmd = e.composeCmd(ctx, "-f", file, "config")
	}
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = strings.NewReader(string(stdin))
	}
	if err := proc.Run(ctx, cmd); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ce := ParseComposeError("config", "", stderr.String())
		if !proc.ExitErr(err) {
			ce.Reason = fmt.Sprintf("run %s: %v", strings.Join(e.compose, " "), err)
		}
		return nil, ce
	}
	return []byte(stdout.String()), nil
}

// EnsureNetwork creates the bridge network name with labels unless it
// exists: idempotent, so every apply of a per-service stack may call it.
// A network of that name without labels' devarch.stack is an error: it is
// not this stack's to use.
func (e *Engine) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	out, err := e.output(ctx, e.cliCmd(ctx, "network", "ls", "-q", "--filter", "name=^"+name+"$"), nil)
	if err != nil {
		return fmt.Errorf("look up network %s: %w", name, err)
	}
	if strings.TrimSpace(out) != "" {
		got, err := e.output(ctx, e.cliCmd(ctx, "network", "inspect", "--format", `{{index .Labels "`+core.LabelStack+`"}}`, name), nil)
		if err != nil {
			return fmt.Errorf("inspect network %s: %w", name, err)
		}
		if want := labels[core.LabelStack]; strings.TrimSpace(got) != want {
			return fmt.Errorf("network %s exists but is not stack %s's (its %s label is %q); remove it or rename the stack",
				name, want, core.LabelStack, strings.TrimSpace(got))
		}
		return nil
	}
	args := []string{"network", "create"}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		args = append(args, "--label", k+"="+labels[k])
	}
	if _, err := e.output(ctx, e.cliCmd(ctx, append(args, name)...), nil); err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	return nil
}

// RemoveNetwork removes the network name; one that does not exist is no
// error.
func (e *Engine) RemoveNetwork(ctx context.Context, name string) error {
	if _, err := e.output(ctx, e.cliCmd(ctx, "network", "rm", name), nil); err != nil && !strings.Contains(strings.ToLower(err.Error()), "not found") {
		return fmt.Errorf("remove network %s: %w", name, err)
	}
	return nil
}
