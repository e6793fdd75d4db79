package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/devfile"
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
$DEVARCH_PASSPHRASE); redacted secrets need a value: --set-secret INSTANCE.KEY=VALUE.
A redacted secret of a template that already exists in this devarch (with the
same definition) keeps the value it has there and needs none.

So that a secret never appears on the command line (or in the shell history),
--set-secret KEY=- reads the value from stdin (one --set-secret at most, and
not when FILE is -), and --set-secret KEY=@PATH reads it from the file PATH,
for multi-line keys and certificates. One trailing newline is dropped from an
env value read this way; a config file's content (KEY
templates.NAME.files./TARGET or instances.NAME.files./TARGET) is taken exactly.
A value that starts with @ is always a file name: give such a value on stdin.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stack, "stack", "", "import under this stack name")
	f.StringVar(&opts.passphraseFile, "passphrase-file", "", "open sealed secrets with the passphrase in FILE ($DEVARCH_PASSPHRASE)")
	f.StringArrayVar(&opts.setSecrets, "set-secret", nil, "value of a redacted secret: INSTANCE.KEY=VALUE, KEY=- (stdin) or KEY=@PATH (file) (repeatable)")
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
	set, err := setSecrets(opts.setSecrets, c.in, path == "-")
	if err != nil {
		return err
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

// setSecrets reads the --set-secret values: KEY=VALUE as given, KEY=- from
// stdin (once, and not when the file itself is read from stdin) and
// KEY=@PATH from a file. Env values read from stdin or a file lose one
// trailing newline; config file content (a KEY with ".files.") is exact.
// Errors name the key, never the value.
func setSecrets(list []string, stdin io.Reader, fileOnStdin bool) (map[string]string, error) {
	set := map[string]string{}
	stdinKey := ""
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, withHint(fmt.Errorf("--set-secret %q: must be INSTANCE.KEY=VALUE", redactSetSecret(kv)),
				"for example --set-secret db.POSTGRES_PASSWORD=s3cret, or db.POSTGRES_PASSWORD=- to read it from stdin")
		}
		if _, dup := set[k]; dup {
			return nil, fmt.Errorf("--set-secret %s: given twice; give it once", k)
		}
		exact := strings.Contains(k, ".files.")
		switch {
		case v == "-":
			switch {
			case fileOnStdin:
				return nil, withHint(fmt.Errorf("--set-secret %s=-: stdin already holds the file to import", k),
					"give the file by its path, or the secret with KEY=@PATH")
			case stdinKey != "":
				return nil, withHint(fmt.Errorf("--set-secret %s=-: only one value can be read from stdin (%s=- reads it already)", k, stdinKey),
					"read the others from files with KEY=@PATH")
			}
			stdinKey = k
			b, err := io.ReadAll(io.LimitReader(stdin, devfile.MaxSize+1))
			if err != nil {
				return nil, fmt.Errorf("--set-secret %s=-: read stdin: %w", k, err)
			}
			if len(b) > devfile.MaxSize {
				return nil, fmt.Errorf("--set-secret %s=-: the value on stdin is larger than %d bytes", k, devfile.MaxSize)
			}
			v = secretText(b, exact)
		case strings.HasPrefix(v, "@"):
			file := strings.TrimPrefix(v, "@")
			if file == "" {
				return nil, withHint(fmt.Errorf("--set-secret %s=@: names no file", k), "give KEY=@PATH")
			}
			b, err := readSmallFile(file)
			if err != nil {
				return nil, fmt.Errorf("--set-secret %s=@%s: %w", k, file, err)
			}
			v = secretText(b, exact)
		}
		if p := core.TextProblem(v); p != "" {
			return nil, fmt.Errorf("--set-secret %s: the value %s", k, p)
		}
		set[k] = v
	}
	return set, nil
}

// secretText is a value read from stdin or a file: exact for config file
// content, without one trailing newline for an env value.
func secretText(b []byte, exact bool) string {
	s := string(b)
	if !exact {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	return s
}

// readSmallFile reads a file of at most devfile.MaxSize bytes.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bareError(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, devfile.MaxSize+1))
	if err != nil {
		return nil, bareError(err)
	}
	if len(b) > devfile.MaxSize {
		return nil, fmt.Errorf("the file is larger than %d bytes", devfile.MaxSize)
	}
	return b, nil
}

// bareError drops the path an *os.PathError repeats.
func bareError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
	stack    string
	envFiles []string
	profiles []string
	json     bool
}

func newImportComposeCommand(c *cli) *cobra.Command {
	var opts importComposeOptions
	cmd := &cobra.Command{
		Use:   "import-compose FILE",
		Short: "Turn a docker-compose.yml into templates and a new stack",
		Long: `Turn an existing compose file into a devarch stack: each service becomes an
instance (of a built-in template when its image is one devarch knows, so it
gets the catalog's exports, at the compose file's tag; otherwise of a new
template), keeping ports, environment, volumes, healthchecks and depends_on.
Relative bind mounts are resolved against the compose file's directory.

${VAR} in the file is interpolated as docker compose does: from the
environment, then the .env file next to the compose file (or --env-file).
Only the variables the file refers to are sent to the daemon. An unset
variable without a default is a warning; ${VAR:?message} is an error naming
VAR.

Service settings devarch has no field for (cap_add, privileged, tmpfs,
extra_hosts, working_dir, stop_grace_period, ...) are carried over in the
instance's compose fragment. Every setting that is not carried over is
printed as a warning. A service whose profiles are not active (--profile,
COMPOSE_PROFILES) or that uses network_mode host, none, service: or
container: is imported as a disabled instance, with a warning.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportCompose(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stack, "stack", "", "stack name (default: COMPOSE_PROJECT_NAME, the compose project name or the file's directory)")
	f.StringArrayVar(&opts.envFiles, "env-file", nil, "read variables for interpolation from this file instead of the .env next to the compose file (repeatable)")
	f.StringArrayVar(&opts.profiles, "profile", nil, "activate a compose profile (repeatable; default COMPOSE_PROFILES)")
	f.BoolVar(&opts.json, "json", false, "print the result as JSON")
	return cmd
}

// processEnviron is the CLI's environment; tests replace it.
var processEnviron = os.Environ

func runImportCompose(ctx context.Context, c *cli, path string, opts importComposeOptions) error {
	data, err := c.readInput(path)
	if err != nil {
		return err
	}
	workdir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	env, err := composeEnvironment(workdir, opts.envFiles, environMap(processEnviron()))
	if err != nil {
		return err
	}
	stack := opts.stack
	if stack == "" {
		stack = defaultComposeStack(data, workdir, env)
	}
	profiles := opts.profiles
	if len(profiles) == 0 {
		for p := range strings.SplitSeq(env["COMPOSE_PROFILES"], ",") {
			if p = strings.TrimSpace(p); p != "" {
				profiles = append(profiles, p)
			}
		}
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	res, err := cl.ImportCompose(ctx, api.ImportComposeRequest{
		Content: string(data), Filename: filepath.Base(path), Stack: stack, WorkDir: workdir,
		Environment: referencedEnv(data, workdir, env), Profiles: profiles,
	})
	if err != nil {
		return err
	}
	return c.printImport(res, opts.json)
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// composeEnvironment is what docker compose interpolates a file with: the
// .env file in workdir (or the --env-file files), its own ${VAR}s expanded,
// under the process environment, which wins.
func composeEnvironment(workdir string, envFiles []string, proc map[string]string) (map[string]string, error) {
	files := envFiles
	if len(files) == 0 {
		def := filepath.Join(workdir, ".env")
		if fi, err := os.Stat(def); err == nil && !fi.IsDir() {
			files = []string{def}
		}
	}
	env := map[string]string{}
	if len(files) > 0 {
		vals, err := dotenv.GetEnvFromFile(proc, files)
		if err != nil {
			return nil, withHint(fmt.Errorf("read the environment file: %w", err),
				"fix the file or point --env-file at another one")
		}
		maps.Copy(env, vals)
	}
	maps.Copy(env, proc)
	return env, nil
}

// referencedEnv keeps the variables of env the compose file refers to (in
// ${VAR}s, environment keys without a value, and the env_file and
// label_file files it reads), so the rest of the environment never leaves
// the CLI; a file that pulls in others (include, extends with a file) gets
// the whole environment.
func referencedEnv(data []byte, workdir string, env map[string]string) map[string]string {
	names, all := devfile.ReferencedVariables(data)
	if all {
		return env
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for p := range devfile.EnvFiles(data) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(workdir, p)
		}
		b, err := readSmallFile(p)
		if err != nil {
			continue // a missing file is reported by the import itself
		}
		_, _ = dotenv.UnmarshalBytesWithLookup(b, func(k string) (string, bool) {
			want[k] = true
			return "", false
		})
	}
	out := map[string]string{}
	for k := range want {
		if v, ok := env[k]; ok {
			out[k] = v
		}
	}
	return out
}

// defaultComposeStack names the stack as compose names the project:
// COMPOSE_PROJECT_NAME, else the file's top-level name (interpolated), else
// its directory, made a DNS label.
func defaultComposeStack(data []byte, workdir string, env map[string]string) string {
	name := env["COMPOSE_PROJECT_NAME"]
	if name == "" {
		var top struct {
			Name string `yaml:"name"`
		}
		_ = yaml.Unmarshal(data, &top) // a broken file is reported by the import itself
		name = top.Name
		if v, err := template.SubstituteWithOptions(name, func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		}, template.WithoutLogging); err == nil {
			name = v
		}
	}
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
