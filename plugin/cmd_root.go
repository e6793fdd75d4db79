package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
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
	inv    invocation

	home    string // --home
	runtime string // --runtime

	// ensureDaemon starts the daemon when nothing answers; tests replace it.
	ensureDaemon func(ctx context.Context, home string) error
	client       *client.Client
}

func newCLI(in io.Reader, out, errOut io.Writer, getenv func(string) string, inv invocation) *cli {
	c := &cli{in: in, out: out, errOut: errOut, getenv: getenv, inv: inv}
	c.ensureDaemon = func(ctx context.Context, home string) error {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the devarch binary to start the daemon: %w", err)
		}
		return client.EnsureDaemon(ctx, home, exe)
	}
	return c
}

// defaultHome is $DEVARCH_HOME or ~/.devarch.
func defaultHome(getenv func(string) string) string {
	if h := getenv("DEVARCH_HOME"); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".devarch")
	}
	return ".devarch"
}

func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           pluginName,
		Short:         "Compose local development stacks from templates",
		Long:          "devarch composes local development stacks from reusable templates, wires them by typed contracts and applies them with plan/apply under per-stack locks.",
		Version:       api.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(explainFlagError)
	pf := root.PersistentFlags()
	pf.StringVar(&c.home, "home", defaultHome(c.getenv), "devarch state directory ($DEVARCH_HOME)")
	pf.StringVar(&c.runtime, "runtime", "", "container runtime: docker or podman ($DEVARCH_RUNTIME; default: the invoking docker CLI, else detected)")
	root.AddCommand(
		newDaemonCommand(c),
		newKeyCommand(c),
		newTemplateCommand(c),
		newStackCommand(c),
		newInstanceCommand(c),
		newWireCommand(c), newUnwireCommand(c), newWiresCommand(c),
		newConfigCommand(c),
		newPlanCommand(c),
		newApplyCommand(c),
		newDestroyCommand(c),
		newJobsCommand(c),
		newPsCommand(c),
		newLogsCommand(c),
		newLockCommand(c),
		newUnlockCommand(c),
	)
	addExtraCommands(c, root)
	refuseUnknownCommands(root)
	return root
}

// refuseUnknownCommands makes every command that only groups subcommands
// fail on an unknown one. Cobra checks that for the root command alone, so
// `devarch stack nosuch`, and `docker devarch nosuch` (where devarch runs
// under a docker parent), printed help and exited 0: a mistyped command in
// a script passed. Without arguments a group still prints its help.
func refuseUnknownCommands(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		refuseUnknownCommands(sub)
	}
	if cmd.Runnable() || !cmd.HasSubCommands() {
		return
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return withHint(fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()),
			"see `"+cmd.CommandPath()+" --help`")
	}
}

// extraCommands are added by other files of the command (export, import).
var extraCommands []func(*cli) *cobra.Command

func addExtraCommands(c *cli, root *cobra.Command) {
	for _, f := range extraCommands {
		root.AddCommand(f(c))
	}
}

// Client returns a client for the daemon of --home, starting the daemon
// when nothing answers.
func (c *cli) Client(ctx context.Context) (*client.Client, error) {
	if c.client != nil {
		return c.client, nil
	}
	if err := c.ensureDaemon(ctx, c.home); err != nil {
		return nil, err
	}
	c.client = client.New(client.SocketPath(c.home))
	return c.client, nil
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
	case "", "docker", "podman":
	default:
		return api.RuntimeSpec{}, withHint(fmt.Errorf("%s %q: must be docker or podman", from, kind),
			"leave it unset to let devarch detect the runtime")
	}
	if kind == "" && c.inv.plugin {
		kind = "docker"
	}
	spec := api.RuntimeSpec{Kind: kind}
	switch {
	case kind == "docker" && c.inv.plugin:
		spec.Binary = resolveBinary(c.inv.dockerBinary)
		if len(c.inv.dockerEnv) > 0 {
			spec.Env = c.inv.dockerEnv
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

// exactArgs is cobra.ExactArgs with the argument names in the message.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			var want string
			switch len(names) {
			case 0:
				want = "takes no arguments"
			case 1:
				want = "takes 1 argument (" + names[0] + ")"
			default:
				want = fmt.Sprintf("takes %d arguments (%s)", len(names), strings.Join(names, " "))
			}
			return withHint(fmt.Errorf("%q %s, got %d", cmd.CommandPath(), want, len(args)),
				"see `"+cmd.CommandPath()+" --help`")
		}
		return nil
	}
}

// rangeArgs accepts between min and max arguments.
func rangeArgs(min, max int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return withHint(fmt.Errorf("%q takes %s, got %d argument(s)", cmd.CommandPath(), usage, len(args)),
				"see `"+cmd.CommandPath()+" --help`")
		}
		return nil
	}
}

// unknownShorthand matches pflag's error for "-db": "unknown shorthand flag: 'd' in -db".
var unknownShorthand = regexp.MustCompile(`^unknown shorthand flag: '.' in (-[^-].*)$`)

// explainFlagError explains a flag parse error; a dash-led word that is no flag
// was most likely meant as a name, which can never start with '-'.
func explainFlagError(cmd *cobra.Command, err error) error {
	if m := unknownShorthand.FindStringSubmatch(err.Error()); m != nil {
		return withHint(fmt.Errorf("%q is not a flag of %q, and as a name it is invalid: a name must be a DNS label "+
			"(lowercase letters, digits and '-', starting and ending with a letter or digit)", m[1], cmd.CommandPath()),
			"see `"+cmd.CommandPath()+" --help`")
	}
	return withHint(err, "see `"+cmd.CommandPath()+" --help`")
}
