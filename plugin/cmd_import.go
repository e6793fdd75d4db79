package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func init() {
	extraCommands = append(extraCommands, newImportCommand, newImportComposeCommand)
}

type importOptions struct {
	stack          string
	passphraseFile string
	setSecrets     []string
	planTTL        time.Duration
	json           bool
}

func newImportCommand(c *cli) *cobra.Command {
	var opts importOptions
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create or update a stack from a devarch.yml (- reads stdin)",
		Long: `Create or update a stack from a devarch.yml. The whole file is validated
before anything is written; errors name the YAML path and line.

A new stack is created at once. Over an existing stack the import becomes a
saved plan: review it, then run ` + "`apply STACK --plan ID`" + `.

Sealed secrets need the passphrase they were sealed with (--passphrase-file or
$DEVARCH_PASSPHRASE); redacted secrets need a value: --set-secret INSTANCE.KEY=VALUE.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stack, "stack", "", "import under this stack name")
	f.StringVar(&opts.passphraseFile, "passphrase-file", "", "open sealed secrets with the passphrase in FILE ($DEVARCH_PASSPHRASE)")
	f.StringArrayVar(&opts.setSecrets, "set-secret", nil, "value of a redacted secret: INSTANCE.KEY=VALUE (repeatable)")
	f.DurationVar(&opts.planTTL, "plan-ttl", 15*time.Minute, "lifetime of the plan made when importing over an existing stack")
	f.BoolVar(&opts.json, "json", false, "print the result as JSON")
	return cmd
}

func runImport(ctx context.Context, c *cli, path string, opts importOptions) error {
	data, err := c.readInput(path)
	if err != nil {
		return err
	}
	pass, err := c.passphrase(opts.passphraseFile)
	if err != nil {
		return err
	}
	set := map[string]string{}
	for _, kv := range opts.setSecrets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return withHint(fmt.Errorf("--set-secret %q: must be INSTANCE.KEY=VALUE", redactSetSecret(kv)),
				"for example --set-secret db.POSTGRES_PASSWORD=s3cret")
		}
		set[k] = v
	}
	spec, err := c.RuntimeSpec()
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	res, err := cl.Import(ctx, api.ImportRequest{
		Content: string(data), Filename: filepath.Base(path), Stack: opts.stack,
		Passphrase: pass, SetSecrets: set, Runtime: spec, TTL: core.Duration(opts.planTTL),
	})
	if err != nil {
		return err
	}
	return c.printImport(res, opts.json)
}

// redactSetSecret keeps a malformed --set-secret's value out of errors.
func redactSetSecret(kv string) string {
	if k, _, ok := strings.Cut(kv, "="); ok {
		return k + "=" + core.Redacted
	}
	if len(kv) > 0 {
		return core.Redacted
	}
	return kv
}

func (c *cli) printImport(res api.ImportResult, asJSON bool) error {
	if asJSON {
		render.JSON(c.out, res)
		return nil
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.errOut, "devarch: warning: %s\n", w)
	}
	if res.Created {
		fmt.Fprintf(c.out, "created stack %q: %d instance(s)", res.Stack, len(res.Instances))
		if len(res.Templates) > 0 {
			fmt.Fprintf(c.out, ", template(s) %s", strings.Join(res.Templates, ", "))
		}
		fmt.Fprintf(c.out, "\nnext: `%s plan %s`, then `%s apply %s`\n", c.commandName(), res.Stack, c.commandName(), res.Stack)
		return nil
	}
	if res.Plan != nil {
		if err := render.Plan(c.out, *res.Plan, c.color()); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.out, "\nstack %q exists: the import was saved as plan %s\n", res.Stack, res.PlanID)
	fmt.Fprintf(c.out, "apply it with `%s apply %s --plan %s`\n", c.commandName(), res.Stack, res.PlanID)
	return nil
}

type importComposeOptions struct {
	stack string
	json  bool
}

func newImportComposeCommand(c *cli) *cobra.Command {
	var opts importComposeOptions
	cmd := &cobra.Command{
		Use:   "import-compose FILE",
		Short: "Turn a docker-compose.yml into templates and a new stack",
		Long: `Turn an existing compose file into a devarch stack: each service becomes an
instance (of a built-in template when its image is one devarch knows, so it
gets the catalog's exports; otherwise of a new template), keeping ports,
environment, volumes, healthchecks and depends_on. Relative bind mounts are
resolved against the compose file's directory.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportCompose(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stack, "stack", "", "stack name (default: the compose project name or the file's directory)")
	f.BoolVar(&opts.json, "json", false, "print the result as JSON")
	return cmd
}

func runImportCompose(ctx context.Context, c *cli, path string, opts importComposeOptions) error {
	data, err := c.readInput(path)
	if err != nil {
		return err
	}
	workdir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	stack := opts.stack
	if stack == "" {
		stack = defaultComposeStack(data, workdir)
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	res, err := cl.ImportCompose(ctx, api.ImportComposeRequest{
		Content: string(data), Filename: filepath.Base(path), Stack: stack, WorkDir: workdir,
	})
	if err != nil {
		return err
	}
	return c.printImport(res, opts.json)
}

// defaultComposeStack names the stack as compose names the project: the
// file's top-level name, else its directory, made a DNS label.
func defaultComposeStack(data []byte, workdir string) string {
	var top struct {
		Name string `yaml:"name"`
	}
	_ = yaml.Unmarshal(data, &top) // a broken file is reported by the import itself
	name := top.Name
	if name == "" {
		name = filepath.Base(workdir)
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
