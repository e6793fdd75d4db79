// Command docker-devarch is devarch's CLI, run as a Docker CLI plugin
// (`docker devarch ...`) or standalone (`devarch ...`), and its daemon.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli-plugins/metadata"

	"github.com/devarch-dev/devarch/plugin/render"
)

// pluginName is the docker subcommand devarch answers to.
const pluginName = "devarch"

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one CLI invocation and returns the exit code: 0 success,
// 1 error, 2 changes present with --detailed-exitcode.
func run(ctx context.Context, argv []string, in io.Reader, out, errOut io.Writer, getenv func(string) string) int {
	c := newCLI(in, out, errOut, getenv)
	if runByDocker(argv, getenv) {
		return c.runPlugin(argv)
	}
	return c.execute(ctx, argv[1:])
}

// runByDocker tells a run by the docker CLI (as `docker devarch ...`, or
// its plugin handshake) from a standalone one: the binary is named
// docker-devarch and the docker CLI marks the plugins it runs in the
// environment (or, without that mark, the arguments start with the
// handshake or the plugin's name as docker passes them). The same binary
// invoked as devarch, or docker-devarch run by hand, is standalone.
func runByDocker(argv []string, getenv func(string) string) bool {
	if base := filepath.Base(argv[0]); base == pluginName || !strings.HasPrefix(base, metadata.NamePrefix) {
		return false
	}
	if getenv(metadata.ReexecEnvvar) != "" {
		return true
	}
	return len(argv) > 1 && (argv[1] == metadata.MetadataSubcommandName || argv[1] == pluginName)
}

// execute runs the standalone command tree on args and returns the exit code.
func (c *cli) execute(ctx context.Context, args []string) int {
	root := c.rootCommand()
	root.SetArgs(args)
	root.SetIn(c.in)
	root.SetOut(c.out)
	root.SetErr(c.errOut)
	return exitCode(c.errOut, root.ExecuteContext(ctx))
}

// exitCode renders err (if any) and returns the process exit code.
func exitCode(errOut io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	render.Error(errOut, explainError(err))
	return 1
}

// exitError ends the process with code without printing anything more.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// hintError is a CLI-side error with a suggestion.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) Hint() string  { return e.hint }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// commandName is how the user runs devarch: "docker devarch" or "devarch".
func (c *cli) commandName() string {
	if c.inv.plugin {
		return "docker " + pluginName
	}
	return pluginName
}
