package runtime

// Container control (stop, start, restart, port) and the commands the CLI
// runs in the user's terminal (exec, compose run). The daemon never holds
// a terminal: for exec and run it answers with the target, and the CLI
// builds the command with ExecCommand or ComposeRunCommand from this
// package and runs it itself. This package stays the only code that knows
// how docker and podman are called; it is a package, not a process.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Control stops, starts and restarts containers and reads their published
// ports. Engine implements it; Swarm answers every call with
// ErrUnsupported (a swarm service is scaled or removed, not stopped).
type Control interface {
	// Stop stops the named containers (the engine's default grace period).
	Stop(ctx context.Context, names []string) error
	// Start starts the named containers.
	Start(ctx context.Context, names []string) error
	// Restart restarts the named containers.
	Restart(ctx context.Context, names []string) error
	// Ports lists the published ports of the named container.
	Ports(ctx context.Context, name string) ([]PortBinding, error)
}

// ErrUnsupported is wrapped by what a runtime cannot do.
var ErrUnsupported = errors.New("not supported")

// PortBinding is one published port: Private ("80/tcp") is bound to
// HostIP:HostPort.
type PortBinding struct {
	Private  string `json:"private"`
	HostIP   string `json:"host_ip"`
	HostPort string `json:"host_port"`
}

// Stop runs `stop NAMES...`.
func (e *Engine) Stop(ctx context.Context, names []string) error {
	return e.control(ctx, "stop", names)
}

// Start runs `start NAMES...`.
func (e *Engine) Start(ctx context.Context, names []string) error {
	return e.control(ctx, "start", names)
}

// Restart runs `restart NAMES...`.
func (e *Engine) Restart(ctx context.Context, names []string) error {
	return e.control(ctx, "restart", names)
}

func (e *Engine) control(ctx context.Context, verb string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	if _, err := e.output(ctx, e.cliCmd(ctx, append([]string{verb}, names...)...), nil); err != nil {
		return fmt.Errorf("%s %s: %w", verb, strings.Join(names, ", "), err)
	}
	return nil
}

// Ports runs `port NAME` and parses its lines, "80/tcp -> 0.0.0.0:8080".
func (e *Engine) Ports(ctx context.Context, name string) ([]PortBinding, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, "port", name), nil)
	if err != nil {
		return nil, fmt.Errorf("ports of %s: %w", name, err)
	}
	return ParsePorts(out), nil
}

// ParsePorts parses the output of `docker port` and `podman port`: one
// "PRIVATE -> HOSTIP:HOSTPORT" a line; other lines are skipped. An IPv6
// host address keeps its brackets off: "[::]:8080" is HostIP "::".
func ParsePorts(out string) []PortBinding {
	var ps []PortBinding
	for _, l := range strings.Split(out, "\n") {
		priv, host, ok := strings.Cut(strings.TrimSpace(l), " -> ")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(host, ':')
		if i < 0 {
			continue
		}
		ip := strings.TrimSuffix(strings.TrimPrefix(host[:i], "["), "]")
		ps = append(ps, PortBinding{Private: strings.TrimSpace(priv), HostIP: ip, HostPort: host[i+1:]})
	}
	return ps
}

func (s *Swarm) unsupported(verb string) error {
	return fmt.Errorf("%s on the swarm runtime: %w (scale the service with `docker service scale`, or destroy the stack)", verb, ErrUnsupported)
}

// Stop is not supported on a swarm: its services keep their replicas.
func (s *Swarm) Stop(context.Context, []string) error { return s.unsupported("stop") }

// Start is not supported on a swarm.
func (s *Swarm) Start(context.Context, []string) error { return s.unsupported("start") }

// Restart is not supported on a swarm.
func (s *Swarm) Restart(context.Context, []string) error { return s.unsupported("restart") }

// Ports is not supported on a swarm: services publish through the ingress.
func (s *Swarm) Ports(context.Context, string) ([]PortBinding, error) {
	return nil, s.unsupported("port")
}

// ExecOptions say how ExecCommand runs a command in a container.
type ExecOptions struct {
	Interactive bool     // keep stdin open (-i)
	TTY         bool     // allocate a terminal (-t)
	User        string   // -u
	Env         []string // -e KEY=VALUE, each
	Workdir     string   // -w
	Command     []string // the command and its arguments; required
}

// args are the exec options' flags, as exec and compose run take them.
func (o ExecOptions) args() []string {
	var a []string
	if o.User != "" {
		a = append(a, "-u", o.User)
	}
	for _, kv := range o.Env {
		a = append(a, "-e", kv)
	}
	if o.Workdir != "" {
		a = append(a, "-w", o.Workdir)
	}
	return a
}

// ExecCommand builds `BINARY exec [-i] [-t] [-u U] [-e K=V]... [-w DIR]
// CONTAINER CMD...` on the engine spec names, with its environment. The
// caller connects stdin, stdout and stderr and runs it; its exit code is
// the command's. Swarm is refused: a task's container runs on some node.
func ExecCommand(spec Spec, container string, opts ExecOptions) (*exec.Cmd, error) {
	if spec.Kind == KindSwarm {
		return nil, fmt.Errorf("exec on the swarm runtime: %w (run `docker exec` on the node that runs the task)", ErrUnsupported)
	}
	if len(opts.Command) == 0 {
		return nil, errors.New("exec: command is empty")
	}
	e, err := NewEngine(spec)
	if err != nil {
		return nil, err
	}
	args := []string{e.cli, "exec"}
	if opts.Interactive {
		args = append(args, "-i")
	}
	if opts.TTY {
		args = append(args, "-t")
	}
	args = append(append(append(args, opts.args()...), container), opts.Command...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = e.environ(false)
	return cmd, nil
}

// RunOptions say how ComposeRunCommand runs a one-off container.
type RunOptions struct {
	ExecOptions          // Interactive, TTY (false: -T), User, Env, Workdir; Command may be empty (the image's)
	File        string   // the compose file of the project
	Open        *os.File // File, open: docker compose reads it as /dev/fd/3 (nil: by File's name)
	Workdir     string   // the project directory relative paths resolve against
}

// ComposeRunCommand builds `compose -p PROJECT -f FILE --project-directory
// DIR run --rm [-T] [-u U] [-e K=V]... [-w DIR] SERVICE [CMD...]` on the
// engine spec names: a one-off container of service with its config,
// network and volumes, removed when it ends. Compose needs a file it can
// read while the user's terminal is on stdin; the caller writes it (0600)
// and removes it afterwards. Given the file open, docker compose reads it
// from the descriptor it inherits (cmd.ExtraFiles), so the caller can
// remove its name before the command starts and a killed caller leaves no
// file behind; podman-compose, which resolves paths against the file's
// directory, still reads it by its name.
func ComposeRunCommand(spec Spec, project, service string, opts RunOptions) (*exec.Cmd, error) {
	if spec.Kind == KindSwarm {
		return nil, fmt.Errorf("run on the swarm runtime: %w (swarm runs services, not one-off containers)", ErrUnsupported)
	}
	e, err := NewEngine(spec)
	if err != nil {
		return nil, err
	}
	args := append([]string{}, e.compose...)
	file, fromFD := opts.File, opts.Open != nil && opts.Workdir != "" && e.socketOrDocker()
	if fromFD {
		file = "/dev/fd/3"
	}
	args = append(args, "-p", project, "-f", file)
	if opts.Workdir != "" && e.socketOrDocker() {
		args = append(args, "--project-directory", opts.Workdir)
	}
	args = append(args, "run", "--rm")
	if !opts.TTY {
		args = append(args, "-T")
	}
	args = append(append(append(args, opts.ExecOptions.args()...), service), opts.Command...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = e.environ(true)
	cmd.Dir = opts.Workdir
	if fromFD {
		cmd.ExtraFiles = []*os.File{opts.Open}
	}
	return cmd, nil
}

var (
	_ Control = (*Engine)(nil)
	_ Control = (*Swarm)(nil)
)
