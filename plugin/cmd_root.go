package main

import (
	"fmt"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
)

func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           pluginName,
		Short:         "Compose local development stacks from templates",
		Long:          "devarch composes local development stacks from reusable templates, wires them by typed contracts and applies them with plan/apply under per-stack locks.",
		Version:       api.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(explainFlagError)
	pf := root.PersistentFlags()
	pf.StringVar(&c.home, "home", defaultHome(c.getenv), "devarch state directory ($DEVARCH_HOME)")
	pf.StringVar(&c.runtime, "runtime", "", "container runtime: docker, podman or swarm ($DEVARCH_RUNTIME; default: the invoking docker CLI, else docker or podman detected; swarm only when named)")
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
		newBuildCommand(c),
		newPullCommand(c),
		newDestroyCommand(c),
		newUpCommand(c),
		newDownCommand(c),
		newJobsCommand(c),
		newPsCommand(c),
		newLogsCommand(c),
		newExecCommand(c),
		newRunCommand(c),
		newPortCommand(c),
		newLockCommand(c),
		newUnlockCommand(c),
		newExportCommand(c),
		newImportCommand(c),
		newImportComposeCommand(c),
	)
	root.AddCommand(newControlCommands(c)...)
	root.AddCommand(newCompletionCommand(root))
	c.addStackDefaults(root)
	c.addCompletions(root)
	c.addExamples(root)
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
