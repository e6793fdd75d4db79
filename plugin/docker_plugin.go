package main

import (
	"io"
	"os"

	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/debug"
	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel"

	"github.com/devarch-dev/devarch/daemon/api"
)

// pluginMetadata answers the docker CLI's plugin handshake.
func pluginMetadata() metadata.Metadata {
	return metadata.Metadata{
		SchemaVersion:    "0.1.0",
		Vendor:           "devarch",
		Version:          api.Version,
		ShortDescription: "Compose local development stacks from templates",
	}
}

// runPlugin runs devarch as a docker CLI plugin through docker/cli's plugin
// package: it parses the docker CLI's global options (--context, -H,
// --config, the TLS ones, -D, -l) exactly as docker does, answers the
// metadata handshake and `__complete` requests, and connects to the docker
// CLI's socket so an interrupted docker command ends the plugin too. The
// runtime the daemon drives gets the same engine settings (RuntimeSpec).
func (c *cli) runPlugin(argv []string) int {
	// As plugin.Run does: telemetry errors are logged only with -D.
	otel.SetErrorHandler(debug.OTELErrorHandler)
	dockerCLI, err := command.NewDockerCli(
		command.WithInputStream(io.NopCloser(c.in)),
		command.WithOutputStream(c.out),
		command.WithErrorStream(c.errOut),
	)
	if err != nil {
		return exitCode(c.errOut, err)
	}
	c.inv = invocation{plugin: true, dockerBinary: c.getenv(metadata.ReexecEnvvar)}
	root := c.rootCommand()
	// Help looks as it does standalone, with `docker devarch` in its usage
	// lines, rather than taking the docker CLI's templates from the parent.
	root.SetUsageTemplate(root.UsageTemplate())
	root.SetHelpTemplate(root.HelpTemplate())
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := plugin.PersistentPreRunE(cmd, args); err != nil {
			return err
		}
		// The docker CLI's global options, parsed by the plugin package.
		c.inv.dockerFlags = cmd.Root().Flags()
		return nil
	}
	// plugin.RunPlugin reads the arguments from os.Args, as the docker CLI
	// passes them: its global options, the plugin's name, then ours.
	defer func(saved []string) { os.Args = saved }(os.Args)
	os.Args = argv
	return exitCode(c.errOut, plugin.RunPlugin(dockerCLI, root, pluginMetadata()))
}
