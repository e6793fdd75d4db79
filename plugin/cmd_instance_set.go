package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/devarch-dev/devarch/plugin/render"
)

// instanceSetOptions are the flags of `instance set`.
type instanceSetOptions struct {
	image, tag, user, restart string
	command, entrypoint       []string
	env, secretEnv, unsetEnv  []string
	ports                     []string
	noPorts                   bool
	volumes                   []string
	noVolumes                 bool
	labels                    []string
	hcCmd, hcExec             string
	hcInterval, hcTimeout     string
	hcStartPeriod             string
	hcRetries                 int
	noHealthcheck             bool
	files                     []string
	sensitive                 bool
	copyFiles                 bool
	domains                   []string
	noDomains                 bool
	enable, disable           bool
	composeFile               string
	keepExports               bool
	replicas                  int
	buildContext, buildFile   string
	buildTarget               string
	buildArgs                 []string
	noBuild                   bool
	// changed reports which flags were given.
	changed func(name string) bool
}

func newInstanceSetCommand(c *cli) *cobra.Command {
	var opts instanceSetOptions
	cmd := &cobra.Command{
		Use:   "set STACK NAME [flags]",
		Short: "Override an instance's fields (copy-on-write over its template)",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceSet(cmd.Context(), c, args[0], args[1], opts)
		},
	}
	opts.bindFlags(cmd.Flags())
	opts.changed = cmd.Flags().Changed
	return cmd
}

// bindFlags defines the flags of `instance set` on f.
func (o *instanceSetOptions) bindFlags(f *pflag.FlagSet) {
	f.StringVar(&o.image, "image", "", "image (fully qualified, e.g. docker.io/library/postgres:16)")
	f.StringVar(&o.tag, "tag", "", "replace the tag of the image")
	f.StringArrayVar(&o.command, "command", nil, "command: one shell-quoted string, or repeat for one argument each; '' clears the image's command (compose command: []); `instance reset STACK NAME command` inherits the template's again")
	f.StringArrayVar(&o.entrypoint, "entrypoint", nil, "entrypoint: one shell-quoted string, or repeat for one argument each; '' clears the image's entrypoint (compose entrypoint: []); `instance reset STACK NAME entrypoint` inherits the template's again")
	f.StringVar(&o.user, "user", "", "user[:group] to run as, names or numeric ids (e.g. 1000:1000); '' runs as the image's user")
	f.StringVar(&o.restart, "restart", "", "restart policy: no, always, on-failure[:N], unless-stopped")
	f.StringArrayVar(&o.env, "env", nil, "set an environment variable KEY=VALUE (repeat)")
	f.StringArrayVar(&o.secretEnv, "secret-env", nil, "set a secret environment variable KEY=VALUE; VALUE - reads it from stdin (repeat)")
	f.StringArrayVar(&o.unsetEnv, "unset-env", nil, "remove an environment variable, also one the template sets (repeat)")
	f.StringArrayVar(&o.ports, "port", nil, "publish [IP:]HOST:CONTAINER[/proto]; replaces the list (repeat)")
	f.BoolVar(&o.noPorts, "no-ports", false, "publish no ports")
	f.StringArrayVar(&o.volumes, "volume", nil, "mount SOURCE:TARGET[:ro]; replaces the list (repeat)")
	f.BoolVar(&o.noVolumes, "no-volumes", false, "mount no volumes")
	f.StringArrayVar(&o.labels, "label", nil, "set a container label KEY=VALUE (repeat)")
	f.StringVar(&o.hcCmd, "healthcheck-cmd", "", "healthcheck command, run by the container's shell (CMD-SHELL)")
	f.StringVar(&o.hcExec, "healthcheck-exec", "", "healthcheck command run without a shell (CMD), shell-quoted: for images with no shell")
	f.StringVar(&o.hcInterval, "healthcheck-interval", "", "time between healthchecks (e.g. 5s)")
	f.StringVar(&o.hcTimeout, "healthcheck-timeout", "", "time a healthcheck may take")
	f.StringVar(&o.hcStartPeriod, "healthcheck-start-period", "", "grace period before failures count")
	f.IntVar(&o.hcRetries, "healthcheck-retries", 0, "failures before unhealthy")
	f.BoolVar(&o.noHealthcheck, "no-healthcheck", false, "run without a healthcheck")
	f.StringArrayVar(&o.files, "file", nil, "config file TARGET=@LOCALPATH, mounted read-only at TARGET; it follows LOCALPATH: plan and apply read it again (repeat)")
	f.BoolVar(&o.copyFiles, "copy", false, "store a copy of every --file of this command, read once now: later edits of LOCALPATH are not followed")
	f.BoolVar(&o.sensitive, "sensitive", false, "the contents of every --file of this command are secret (written 0600, never printed)")
	f.StringArrayVar(&o.domains, "domain", nil, "domain name for the instance; replaces the list (repeat)")
	f.BoolVar(&o.noDomains, "no-domains", false, "no domain names")
	f.BoolVar(&o.enable, "enable", false, "enable the instance")
	f.BoolVar(&o.disable, "disable", false, "disable the instance (left out of the compose project)")
	f.StringVar(&o.composeFile, "compose-file", "", "compose service fragment (YAML) applied last; - reads stdin, empty clears it")
	f.IntVar(&o.replicas, "replicas", 1, "how many containers the instance runs (compose deploy.replicas; 0 keeps it defined but running none)")
	f.StringVar(&o.buildContext, "build-context", "", "build the instance's image from this directory (made absolute; replaces the template's build as a whole)")
	f.StringVar(&o.buildFile, "build-file", "", "Dockerfile of the build, relative to --build-context unless absolute (default Dockerfile)")
	f.StringVar(&o.buildTarget, "build-target", "", "build stage to stop at")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "build argument KEY=VALUE (repeat)")
	f.BoolVar(&o.noBuild, "no-build", false, "run the image instead of the template's build (`instance reset STACK NAME build` inherits it again)")
	f.BoolVar(&o.keepExports, "keep-exports", false, "the instance's image speaks its template's contracts: its exports stay the template's, also after --image names another repository (reset with instance reset STACK NAME exports)")
}

func runInstanceSet(ctx context.Context, c *cli, stack, name string, opts instanceSetOptions) error {
	req, err := opts.request(opts.changed, c.in)
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.SetInstance(ctx, stack, name, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Updated instance %s of stack %s.\n", view.Instance.Name, stack)
	return render.Diagnostics(c.errOut, view.Warnings)
}
