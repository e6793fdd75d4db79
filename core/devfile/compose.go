package devfile

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// ComposeImport is a compose file turned into devarch templates and a stack.
type ComposeImport struct {
	Stack     core.Stack
	Templates []core.Template // new user templates, sorted
	// Warnings name every service key and top-level setting that was not
	// carried over, each unset variable, and each service imported disabled.
	Warnings []string
}

// ComposeOptions control FromCompose.
type ComposeOptions struct {
	// Filename names the file in messages (default compose.yaml).
	Filename string
	// Stack is the name of the new stack.
	Stack string
	// WorkDir is the compose file's directory: relative bind mounts and
	// env_file paths are resolved against it.
	WorkDir string
	// Environment is what ${VAR} in the file is interpolated from, as
	// docker compose does: the process environment of the CLI and the .env
	// file next to the compose file, the process environment winning. It
	// holds values the user may consider secret: never log it.
	Environment map[string]string
	// Profiles are the active compose profiles ("*" activates them all).
	// A service with profiles, none of them active, is imported disabled.
	Profiles []string
	// Builtins are the catalog templates whose exports a service of the
	// same image gets (nothing else of theirs comes in).
	Builtins []core.Template
	// Files holds the content of the files top-level secrets and configs
	// name (`file:`), by absolute path (relative ones resolved against
	// WorkDir): the CLI reads them (see ObjectFiles). Contents may be
	// secret: never log them.
	Files map[string]string
	// Sources holds the content of the other files the compose file names
	// (include, extends.file, env_file, label_file), by absolute path: the
	// CLI reads them (see ComposeSources). FromCompose reads no file from
	// the disk: a path Sources does not hold is an error naming its key.
	// Contents may be secret: never log them.
	Sources map[string]string
}

// FromCompose converts a compose file: every service becomes an instance.
// A service whose image is a catalog image (same repository) becomes an
// instance of that built-in template with overrides (its tag among them when
// it differs), so it keeps the catalog's exports; any other service gets a
// new template named "{stack}-{service}". depends_on becomes imports and
// explicit wires. Service keys devarch has no field for but a compose
// fragment may set (cap_add, privileged, tmpfs, extra_hosts, working_dir,
// stop_grace_period, ...) go into the instance's compose fragment; every key
// or top-level setting that is not carried over is a warning. Services
// whose profiles are not active, or that use a network_mode devarch cannot
// give them (host, none, service:, container:), are imported disabled.
// Errors name the compose path and line (services.web.ports[0]).
func FromCompose(data []byte, opt ComposeOptions) (*ComposeImport, error) {
	stack := opt.Stack
	if err := core.ValidateStackName(stack); err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, core.Errf("file", fmt.Sprintf("is %d bytes; the limit is %d bytes (1 MiB)", len(data), MaxSize))
	}
	filename := opt.Filename
	if filename == "" {
		filename = "compose.yaml"
	}
	env := types.Mapping{}
	maps.Copy(env, opt.Environment)
	lines := composeLines(data)
	raw := rawCompose(data)

	// The files the compose file names come from opt.Sources only: included
	// and extended ones through a private copy the loader reads, env and
	// label files resolved here from their content.
	walk, err := walkSources(data, opt.WorkDir, env, sentReader(opt.Sources))
	if err != nil {
		return nil, err
	}
	m, err := newMirror(walk, data, opt.WorkDir)
	if err != nil {
		return nil, err
	}
	loadData, workdir := data, opt.WorkDir
	if m != nil {
		defer m.remove()
		loadData, workdir = m.data, m.workdir
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	details := types.ConfigDetails{
		WorkingDir:  workdir,
		ConfigFiles: []types.ConfigFile{{Filename: filename, Content: loadData}},
		Environment: env,
	}
	common := func(o *loader.Options) {
		o.SetProjectName(stack, true)
		o.ResolvePaths = true
		o.SkipResolveEnvironment = true // resolveEnvFiles, from opt.Sources
		o.SkipResolveLabels = true
		o.ResourceLoaders = []loader.ResourceLoader{sentOnly{m}}
		o.Profiles = []string{"*"} // every service is read; inactive ones are imported disabled
		if o.Interpolate != nil {
			// Unset variables are reported as warnings, not logged.
			o.Interpolate.Substitute = func(s string, m template.Mapping) (string, error) {
				return template.SubstituteWithOptions(s, m, template.WithoutLogging)
			}
		}
	}
	// The model keeps each service's keys as written (after interpolation,
	// include and extends); the project has them normalized and typed.
	model, err := guardLoad(filename, func() (map[string]any, error) {
		return loader.LoadModelWithContext(ctx, details, common, func(o *loader.Options) {
			o.SkipNormalization = true
			o.SkipConsistencyCheck = true
		})
	})
	if err != nil {
		return nil, composeLoadError(m.wrap(err), filename, lines, unsetNames(data, raw, env))
	}
	p, err := guardLoad(filename, func() (*types.Project, error) { return loader.LoadWithContext(ctx, details, common) })
	if err != nil {
		return nil, composeLoadError(m.wrap(err), filename, lines, unsetNames(data, raw, env))
	}
	if m != nil {
		m.stripAll(reflect.ValueOf(&model).Elem())
		m.stripAll(reflect.ValueOf(p))
	}
	if err := resolveEnvFiles(p, opt.Sources, lines); err != nil {
		return nil, err
	}

	c := &composeConverter{
		stack: stack, lines: lines, env: env, active: opt.Profiles,
		byRepo: map[string]core.Template{}, builtins: map[string]core.Template{},
		out:      &ComposeImport{Stack: core.Stack{Name: stack}},
		tpl:      map[string]*core.Template{},
		svcOfTpl: map[string]string{}, volIdx: map[string][]int{},
		disabled: map[string]string{}, model: map[string]map[string]any{},
		rawEnv: rawServiceEnv(raw), project: p, files: opt.Files,
	}
	if svcs, ok := model["services"].(map[string]any); ok {
		for name, v := range svcs {
			if m, ok := v.(map[string]any); ok {
				c.model[name] = m
			}
		}
	}
	for _, t := range opt.Builtins {
		repo, _ := core.SplitImage(t.Image)
		c.byRepo[repo] = t
		c.builtins[t.Name] = t
	}
	c.unsetVariables(data, raw)
	names := slices.Sorted(maps.Keys(p.Services))
	for _, name := range names {
		c.disabledReason(name, p.Services[name])
	}
	for _, name := range names {
		c.service(name, p.Services[name])
	}
	for _, name := range names {
		c.dependsOn(name, p.Services[name])
	}
	c.topLevel(model)
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	c.validate()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	for _, t := range c.created {
		c.out.Templates = append(c.out.Templates, *t)
	}
	slices.SortFunc(c.out.Templates, func(a, b core.Template) int { return strings.Compare(a.Name, b.Name) })
	return c.out, nil
}

type composeConverter struct {
	stack    string
	lines    *lineIndex
	env      types.Mapping
	active   []string // active profiles
	byRepo   map[string]core.Template
	builtins map[string]core.Template
	out      *ComposeImport
	errs     core.FieldErrors
	tpl      map[string]*core.Template // service → its template (new or built-in)
	// created are the new templates; pointers, so dependsOn can add imports
	// and exports after all services are read.
	created  []*core.Template
	svcOfTpl map[string]string         // created template → its service
	volIdx   map[string][]int          // service → compose index of each devarch volume
	disabled map[string]string         // service → why it is imported disabled ("profile", "network_mode")
	model    map[string]map[string]any // service → its keys as written
	rawEnv   map[string]map[string]string
	project  *types.Project
	files    map[string]string // secret and config files, by absolute path
}

func (c *composeConverter) warn(format string, args ...any) {
	c.out.Warnings = append(c.out.Warnings, fmt.Sprintf(format, args...))
}

func (c *composeConverter) fail(field, rule, hint string) {
	c.errs = append(c.errs, &core.FieldError{Field: field, Line: c.lines.line(field), Rule: rule, Hint: hint})
}

func (c *composeConverter) instance(name string) (*core.Instance, bool) {
	return c.out.Stack.Instance(name)
}

// topLevel warns about the top-level settings that are not carried over.
func (c *composeConverter) topLevel(model map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(model)) {
		v, _ := model[k].(map[string]any)
		switch {
		case k == "services" || k == "name" || k == "version" || strings.HasPrefix(k, "x-"):
		case k == "volumes":
			for _, vol := range slices.Sorted(maps.Keys(v)) {
				cfg, _ := v[vol].(map[string]any)
				for _, key := range slices.Sorted(maps.Keys(cfg)) {
					switch key {
					case "external":
						if ext, _ := cfg[key].(bool); ext {
							c.warn("volumes.%s.external: not carried over: devarch creates a new, empty volume %s for the stack instead of using the existing one", vol, vol)
						}
					default:
						c.warn("volumes.%s.%s: not carried over: devarch creates the volume %s with the default driver and options", vol, key, vol)
					}
				}
			}
		case k == "networks":
			var names []string
			for _, n := range slices.Sorted(maps.Keys(v)) {
				if cfg, _ := v[n].(map[string]any); n != "default" || len(cfg) > 0 {
					names = append(names, n)
				}
			}
			if len(names) > 0 {
				c.warn("networks: %s not carried over: devarch gives the stack one network, %s, that every instance joins",
					strings.Join(names, ", "), core.NetworkName(c.stack))
			}
		case k == "secrets" || k == "configs":
			// mounted as config files by the services that use them
		default:
			c.warn("%s: not carried over: devarch has no top-level %s", k, k)
		}
	}
}
