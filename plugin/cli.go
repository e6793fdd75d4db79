package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

// cli is the state every command shares: streams, global options and the
// daemon client.
type cli struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	getenv func(string) string
	// getwd is the directory devarch.yml is looked for from; nil: the
	// process's working directory.
	getwd func() (string, error)
	inv   invocation

	home    string // --home
	runtime string // --runtime

	// ensureDaemon starts the daemon when nothing answers, and restarts an
	// idle one of another build; tests replace it.
	ensureDaemon func(ctx context.Context, home string) error
	client       *client.Client
}

func newCLI(in io.Reader, out, errOut io.Writer, getenv func(string) string) *cli {
	c := &cli{in: in, out: out, errOut: errOut, getenv: getenv}
	c.ensureDaemon = func(ctx context.Context, home string) error {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the devarch binary to start the daemon: %w", err)
		}
		return client.EnsureDaemonBuild(ctx, home, exe, api.BuildID(), c.errOut)
	}
	return c
}

// defaultHome is the default of --home: $DEVARCH_HOME or ~/.devarch, or
// "" when neither can be found (c.homeDir then says why).
func defaultHome(getenv func(string) string) string {
	h, err := api.DefaultHome(getenv)
	if err != nil {
		return ""
	}
	return h
}

// homeDir is --home, or why there is none.
func (c *cli) homeDir() (string, error) {
	if c.home != "" {
		return c.home, nil
	}
	if _, err := api.DefaultHome(c.getenv); err != nil {
		return "", withHint(err, "give --home DIR")
	}
	return "", withHint(fieldErr("--home", "must not be empty"), "give the devarch state directory, or leave --home out")
}

// Client returns a client for the daemon of --home, starting the daemon
// when nothing answers.
func (c *cli) Client(ctx context.Context) (*client.Client, error) {
	if c.client != nil {
		return c.client, nil
	}
	home, err := c.homeDir()
	if err != nil {
		return nil, err
	}
	if err := c.ensureDaemon(ctx, home); err != nil {
		return nil, err
	}
	c.client = client.New(client.SocketPath(home))
	return c.client, nil
}

// runtimeClient is what a command that drives the stack's engine needs
// first: the runtime spec (RuntimeSpec) and the daemon's client (Client).
func (c *cli) runtimeClient(ctx context.Context) (api.RuntimeSpec, *client.Client, error) {
	spec, err := c.RuntimeSpec()
	if err != nil {
		return api.RuntimeSpec{}, nil, err
	}
	cl, err := c.Client(ctx)
	return spec, cl, err
}

// RuntimeSpec is the runtime the daemon should drive: --runtime, then
// DEVARCH_RUNTIME, then the docker CLI that ran the plugin, then nothing
// (the daemon detects one).
func (c *cli) RuntimeSpec() (api.RuntimeSpec, error) {
	kind, from := c.runtime, "--runtime"
	if kind == "" {
		kind, from = c.getenv("DEVARCH_RUNTIME"), "DEVARCH_RUNTIME"
	}
	switch kind {
	case "", "docker", "podman", "swarm":
	default:
		return api.RuntimeSpec{}, withHint(fmt.Errorf("%s %q: must be docker, podman or swarm", from, kind),
			"leave it unset to let devarch detect docker or podman; a swarm is only used when named")
	}
	if kind == "" && c.inv.plugin {
		kind = "docker"
	}
	spec := api.RuntimeSpec{Kind: kind}
	switch {
	case (kind == "docker" || kind == "swarm") && c.inv.plugin:
		spec.Binary = resolveBinary(c.inv.dockerBinary)
		if c.inv.dockerFlags != nil {
			env, err := pluginDockerEnv(c.inv.dockerFlags, c.getenv, c.home)
			if err != nil {
				return api.RuntimeSpec{}, err
			}
			spec.Env = env
		}
	case kind != "podman":
		env := map[string]string{}
		for _, k := range dockerEnvKeys {
			if v := c.getenv(k); v != "" {
				env[k] = v
			}
		}
		if len(env) > 0 {
			spec.Env = env
		}
	}
	return spec, nil
}

// resolveBinary makes a command name absolute through PATH, so the daemon
// runs the same binary whatever its own PATH is.
func resolveBinary(name string) string {
	if name == "" || strings.Contains(name, "/") && filepath.IsAbs(name) {
		return name
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return name
}

// isTerminal reports whether v is an *os.File open on a terminal.
// terminalWidth is the width of the terminal v is, 0 when unknown.
func terminalWidth(v any) int {
	f, ok := v.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// color reports whether output to out may use ANSI colors.
func (c *cli) color() bool {
	return c.getenv("NO_COLOR") == "" && c.getenv("TERM") != "dumb" && isTerminal(c.out)
}
