package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/daemon/api"
)

type importComposeOptions struct {
	stack    string
	envFiles []string
	profiles []string
	planTTL  time.Duration
	json     bool
}

func newImportComposeCommand(c *cli) *cobra.Command {
	var opts importComposeOptions
	cmd := &cobra.Command{
		Use:   "import-compose FILE",
		Short: "Turn a docker-compose.yml into templates and a stack, or plan its changes to one",
		Long: `Turn an existing compose file into a devarch stack that runs what docker
compose would run: each service becomes an instance of a new template holding
exactly the file's settings (image or build, ports, environment, volumes,
healthcheck, depends_on with its conditions, secrets and configs as mounted
files); a catalog image adds only the catalog's contracts, for wiring.
Relative paths are resolved against the compose file's directory. The files
the compose file names (include, extends.file, env_file, label_file, and the
files secrets and configs name) are read here, with your rights, and sent
with the file: the daemon reads none of them.

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
container: is imported as a disabled instance, with a warning.

Over a stack that exists the import becomes a saved plan, as ` + "`import`" + ` of a
devarch.yml does: review it, then run ` + "`apply STACK --plan ID`" + `, which stores the
new definition and replaces the templates this stack's import-compose
created, so the compose file can stay the source of truth. A file that
changes nothing says so and saves no plan. The templates an import-compose
created are removed with the stack (stack rm, destroy --purge) when no
other stack uses them.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportCompose(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stack, "stack", "", "stack name (default: COMPOSE_PROJECT_NAME, the compose project name or the file's directory)")
	f.StringArrayVar(&opts.envFiles, "env-file", nil, "read variables for interpolation from this file instead of the .env next to the compose file (repeatable)")
	f.StringArrayVar(&opts.profiles, "profile", nil, "activate a compose profile (repeatable; default COMPOSE_PROFILES)")
	f.DurationVar(&opts.planTTL, "plan-ttl", 15*time.Minute, "lifetime of the plan made when importing over an existing stack")
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
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	files, err := objectFiles(data, workdir, env)
	if err != nil {
		return err
	}
	// include, extends.file, env_file and label_file: read here, with this
	// user's rights; the daemon reads no file the request does not carry
	sources, err := devfile.ComposeSources(data, workdir, env, readSmallFile)
	if err != nil {
		return withHint(err, "create the file, or fix the path in the compose file")
	}
	res, err := cl.ImportCompose(ctx, api.ImportComposeRequest{
		Content: string(data), Filename: filepath.Base(path), Stack: stack, WorkDir: workdir,
		Environment: referencedEnv(data, workdir, env), Profiles: profiles, Files: files, Sources: sources,
		Runtime: spec, TTL: core.Duration(opts.planTTL),
	})
	if err != nil {
		return err
	}
	return c.printImport(res, opts.json)
}

// objectFiles reads the files the compose file's secrets and configs name,
// as compose reads them when it starts the services, keyed by absolute path.
func objectFiles(data []byte, workdir string, env map[string]string) (map[string]string, error) {
	var out map[string]string
	for _, p := range devfile.ObjectFiles(data, env) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(workdir, p)
		}
		p = filepath.Clean(p)
		b, err := readSmallFile(p)
		if err != nil {
			return nil, withHint(fmt.Errorf("read a file a secret or config names: %w", err), "create the file, or fix the path in the compose file")
		}
		if out == nil {
			out = map[string]string{}
		}
		out[p] = string(b)
	}
	return out, nil
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
