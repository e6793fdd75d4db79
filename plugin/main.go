// Command docker-devarch is devarch's CLI, run as a Docker CLI plugin
// (`docker devarch ...`) or standalone (`devarch ...`), and its daemon.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
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
	if len(argv) > 1 && argv[1] == metadata.MetadataSubcommandName {
		if err := writeMetadata(out); err != nil {
			render.Error(errOut, err)
			return 1
		}
		return 0
	}
	inv := parseInvocation(argv, getenv)
	return newCLI(in, out, errOut, getenv, inv).execute(ctx, inv.args)
}

// execute runs the command tree on args and returns the exit code.
func (c *cli) execute(ctx context.Context, args []string) int {
	root := c.rootCommand()
	if c.inv.plugin {
		// Run under a "docker" parent so help and messages say `docker devarch ...`.
		parent := &cobra.Command{Use: "docker", SilenceUsage: true, SilenceErrors: true}
		parent.CompletionOptions.DisableDefaultCmd = true
		parent.AddCommand(root)
		root, args = parent, append([]string{pluginName}, args...)
	}
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
	render.Error(errOut, err)
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

// writeMetadata answers the docker CLI's plugin handshake.
func writeMetadata(w io.Writer) error {
	b, err := json.Marshal(metadata.Metadata{
		SchemaVersion:    "0.1.0",
		Vendor:           "devarch",
		Version:          api.Version,
		ShortDescription: "Compose local development stacks from templates",
	})
	if err != nil {
		return fmt.Errorf("encode plugin metadata: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// invocation is how the binary was started.
type invocation struct {
	args   []string // arguments for the devarch command tree
	plugin bool     // run by the docker CLI as a plugin
	// dockerBinary is the docker CLI that ran the plugin.
	dockerBinary string
	// dockerEnv carries the docker CLI's global options (--context, --host,
	// --config) as the environment variables the runtime understands.
	dockerEnv map[string]string
}

// dockerValueFlags are the docker CLI's global options that take a value,
// with the environment variable each corresponds to ("" when none).
var dockerValueFlags = map[string]string{
	"--context": "DOCKER_CONTEXT", "-c": "DOCKER_CONTEXT",
	"--host": "DOCKER_HOST", "-H": "DOCKER_HOST",
	"--config":    "DOCKER_CONFIG",
	"--log-level": "", "-l": "",
	"--tlscacert": "", "--tlscert": "", "--tlskey": "",
}

// dockerBoolFlags are the docker CLI's global options without a value.
var dockerBoolFlags = map[string]string{
	"--debug": "", "-D": "", "--tls": "", "--tlsverify": "DOCKER_TLS_VERIFY",
}

// dockerEnvKeys are passed from the environment to the runtime.
var dockerEnvKeys = []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"}

// parseInvocation tells plugin from standalone runs. The docker CLI runs a
// plugin with its own full argument list: global options, then the plugin
// name, then the plugin's arguments.
func parseInvocation(argv []string, getenv func(string) string) invocation {
	var args []string
	if len(argv) > 1 {
		args = argv[1:]
	}
	base := filepath.Base(argv[0])
	inv := invocation{args: args}
	if base == pluginName || !strings.HasPrefix(base, metadata.NamePrefix) {
		return inv
	}
	env := map[string]string{}
	for _, k := range dockerEnvKeys {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	fromFlags := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == pluginName {
			inv.args = args[i+1:]
			inv.plugin = true
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		if key, ok := dockerValueFlags[name]; ok {
			if !hasValue {
				if i+1 >= len(args) {
					break
				}
				i++
				value = args[i]
			}
			if key != "" {
				fromFlags[key] = value
			}
			continue
		}
		if key, ok := dockerBoolFlags[name]; ok {
			if key != "" && (!hasValue || value == "true") {
				fromFlags[key] = "1"
			}
			continue
		}
		break // not a docker global option: run directly as docker-devarch
	}
	if !inv.plugin && getenv(metadata.ReexecEnvvar) == "" {
		return inv
	}
	inv.plugin = true
	for k, v := range fromFlags {
		env[k] = v
	}
	// As in the docker CLI: --host beats --context beats DOCKER_HOST beats DOCKER_CONTEXT.
	if _, ok := fromFlags["DOCKER_HOST"]; ok {
		delete(env, "DOCKER_CONTEXT")
	} else if _, ok := fromFlags["DOCKER_CONTEXT"]; ok {
		delete(env, "DOCKER_HOST")
	}
	inv.dockerEnv = env
	inv.dockerBinary = getenv(metadata.ReexecEnvvar)
	return inv
}
