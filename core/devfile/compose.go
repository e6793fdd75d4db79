package devfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
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
	// Builtins are the catalog templates a service's image may map to.
	Builtins []core.Template
}

// secretKeyRE marks env keys whose values are treated as secrets.
var secretKeyRE = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)`)

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

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	details := types.ConfigDetails{
		WorkingDir:  opt.WorkDir,
		ConfigFiles: []types.ConfigFile{{Filename: filename, Content: data}},
		Environment: env,
	}
	common := func(o *loader.Options) {
		o.SetProjectName(stack, true)
		o.ResolvePaths = true
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
	model, err := loader.LoadModelWithContext(ctx, details, common, func(o *loader.Options) {
		o.SkipNormalization = true
		o.SkipConsistencyCheck = true
	})
	if err != nil {
		return nil, composeLoadError(err, lines)
	}
	p, err := loader.LoadWithContext(ctx, details, common)
	if err != nil {
		return nil, composeLoadError(err, lines)
	}

	c := &composeConverter{
		stack: stack, lines: lines, env: env, active: opt.Profiles,
		byRepo: map[string]core.Template{}, builtins: map[string]core.Template{},
		out:      &ComposeImport{Stack: core.Stack{Name: stack}},
		tpl:      map[string]*core.Template{},
		svcOfTpl: map[string]string{}, volIdx: map[string][]int{},
		disabled: map[string]string{}, model: map[string]map[string]any{},
		rawEnv: rawServiceEnv(raw),
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
}

// composeLines indexes the compose file's YAML paths by line, for errors;
// a file that does not parse gets an empty index (the loader reports it).
func composeLines(data []byte) *lineIndex {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return &lineIndex{byPath: map[string]int{}, byLine: map[int]string{}}
	}
	return indexLines(root.Content[0])
}

// rawCompose is the compose file as written, before interpolation, or nil.
func rawCompose(data []byte) map[string]any {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil
	}
	m, _ := stringKeys(v).(map[string]any)
	return m
}

// stringKeys turns every mapping in v into a map[string]any, the form
// compose-go's template package walks.
func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = stringKeys(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
		return v
	}
	return v
}

// rawServiceEnv maps each service's environment keys to their values as
// written (with ${VAR} references), to tell which hold secrets.
func rawServiceEnv(raw map[string]any) map[string]map[string]string {
	out := map[string]map[string]string{}
	svcs, _ := raw["services"].(map[string]any)
	for name, s := range svcs {
		sm, _ := s.(map[string]any)
		env := map[string]string{}
		switch e := sm["environment"].(type) {
		case map[string]any:
			for k, v := range e {
				if v != nil {
					env[k] = fmt.Sprint(v)
				}
			}
		case []any:
			for _, item := range e {
				if s, ok := item.(string); ok {
					if k, v, ok := strings.Cut(s, "="); ok {
						env[k] = v
					}
				}
			}
		}
		out[name] = env
	}
	return out
}

// ReferencedVariables returns the names of the environment variables a
// compose file refers to: ${VAR} references anywhere in it and environment
// keys without a value (which compose takes from the environment). all is
// true when the file pulls in other files whose references it cannot see
// (include, extends with a file), or does not parse: then every variable
// may matter.
func ReferencedVariables(data []byte) (names []string, all bool) {
	raw := rawCompose(data)
	if raw == nil {
		return nil, true
	}
	if _, ok := raw["include"]; ok {
		all = true
	}
	set := map[string]bool{}
	for name := range template.ExtractVariables(raw, template.DefaultPattern) {
		set[name] = true
	}
	svcs, _ := raw["services"].(map[string]any)
	for _, s := range svcs {
		sm, _ := s.(map[string]any)
		switch e := sm["environment"].(type) {
		case map[string]any:
			for k, v := range e {
				if v == nil {
					set[k] = true
				}
			}
		case []any:
			for _, item := range e {
				if s, ok := item.(string); ok && !strings.Contains(s, "=") {
					set[s] = true
				}
			}
		}
		if ext, ok := sm["extends"].(map[string]any); ok && ext["file"] != nil {
			all = true
		}
	}
	return slices.Sorted(maps.Keys(set)), all
}

// EnvFiles returns the env_file and label_file paths of a compose file's
// services as written (relative to the compose file's directory), with
// whether each is required; their ${VAR} references and bare keys need the
// environment too.
func EnvFiles(data []byte) map[string]bool {
	out := map[string]bool{}
	raw := rawCompose(data)
	svcs, _ := raw["services"].(map[string]any)
	for _, s := range svcs {
		sm, _ := s.(map[string]any)
		for _, key := range []string{"env_file", "label_file"} {
			switch v := sm[key].(type) {
			case string:
				out[v] = true
			case []any:
				for _, item := range v {
					switch it := item.(type) {
					case string:
						out[it] = true
					case map[string]any:
						if p, ok := it["path"].(string); ok {
							req, isBool := it["required"].(bool)
							out[p] = out[p] || !isBool || req
						}
					}
				}
			}
		}
	}
	return out
}

var emptyDefaultRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*):?-\}`)

// unsetVariables warns about each variable the file uses without a
// default that the environment does not set; compose warns about them too
// and, like compose, the import replaces them with an empty string.
func (c *composeConverter) unsetVariables(data []byte, raw map[string]any) {
	if raw == nil {
		return
	}
	explicitEmpty := map[string]bool{}
	for _, m := range emptyDefaultRE.FindAllStringSubmatch(string(data), -1) {
		explicitEmpty[m[1]] = true
	}
	vars := template.ExtractVariables(raw, template.DefaultPattern)
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		if v.Required || v.DefaultValue != "" || v.PresenceValue != "" || explicitEmpty[name] {
			continue
		}
		if _, set := c.env[name]; !set {
			c.warn("variable %s is not set: it was replaced by an empty string (export it, or set it in the .env file next to the compose file)", name)
		}
	}
}

var interpPathRE = regexp.MustCompile(`^error while interpolating (\S+): `)

// composeLoadError turns a loader error into field errors: a required
// variable that is missing names the variable and where it is used.
func composeLoadError(err error, lines *lineIndex) error {
	var fes core.FieldErrors
	for _, e := range leafErrors(err) {
		var mr *template.MissingRequiredError
		if !errors.As(e, &mr) {
			continue
		}
		field := "file"
		if m := interpPathRE.FindStringSubmatch(e.Error()); m != nil {
			field = strings.ReplaceAll(m[1], ".[]", "")
		}
		rule := fmt.Sprintf("required variable %s is missing a value", mr.Variable)
		if mr.Reason != "" {
			rule += ": " + mr.Reason
		}
		fes = append(fes, &core.FieldError{Field: field, Line: lines.line(field), Rule: rule,
			Hint: fmt.Sprintf("export %s, or set it in the .env file next to the compose file", mr.Variable)})
	}
	if len(fes) > 0 {
		return fes.Err()
	}
	return core.Errf("file", "not a valid compose file: "+err.Error())
}

// leafErrors flattens joined errors.
func leafErrors(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			var out []error
			for _, x := range j.Unwrap() {
				out = append(out, leafErrors(x)...)
			}
			return out
		}
	}
	return []error{err}
}

// normalizeImage makes a compose image reference fully qualified, with
// the tag docker assumes when it has none: latest.
func normalizeImage(ref string) string {
	first, _, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		ref = "docker.io/library/" + ref
	case strings.ContainsAny(first, ".:") || first == "localhost":
	default:
		ref = "docker.io/" + ref
	}
	if _, tag := core.SplitImage(ref); tag == "" {
		ref += ":latest"
	}
	return ref
}

// splitComposeImage splits a fully qualified reference into its repository
// and tag (or digest, starting with "@"); an absent tag is ":latest", as
// for docker, and a "repo:tag@digest" reference is pinned by its digest.
func splitComposeImage(image string) (repo, tag string) {
	repo, tag = core.SplitImage(image)
	if strings.HasPrefix(tag, "@") {
		if r, _ := core.SplitImage(repo); r != repo {
			repo = r
		}
	}
	if tag == "" {
		tag = ":latest"
	}
	return repo, tag
}

func (c *composeConverter) warn(format string, args ...any) {
	c.out.Warnings = append(c.out.Warnings, fmt.Sprintf(format, args...))
}

func (c *composeConverter) fail(field, rule, hint string) {
	c.errs = append(c.errs, &core.FieldError{Field: field, Line: c.lines.line(field), Rule: rule, Hint: hint})
}

// disabledReason decides, before any service is converted, whether name is
// imported disabled: its profiles are not active (compose does not start
// it either), or it uses a network_mode devarch cannot give it.
func (c *composeConverter) disabledReason(name string, s types.ServiceConfig) {
	path := "services." + name
	enable := fmt.Sprintf("`devarch instance set %s %s --enable`", c.stack, name)
	if len(s.Profiles) > 0 && !s.HasProfile(c.active) {
		c.disabled[name] = "profile"
		c.warn("%s.profiles: %s is only started with profile %s, which is not active: imported as a disabled instance (as compose does not start it); enable it with %s, or import with --profile %s",
			path, name, strings.Join(s.Profiles, " or "), enable, s.Profiles[0])
	}
	switch mode := s.NetworkMode; {
	case mode == "" || mode == "default" || mode == "bridge":
		if mode != "" {
			c.warn("%s.network_mode: %q not carried over: every devarch instance runs on the stack network %s", path, mode, core.NetworkName(c.stack))
		}
	default:
		if _, done := c.disabled[name]; !done {
			c.disabled[name] = "network_mode"
		}
		c.warn("%s.network_mode: %q is not supported: devarch runs every instance on the stack network %s, so %s was imported as a disabled instance; %s runs it on that network instead (publish the ports it listens on with --port)",
			path, mode, core.NetworkName(c.stack), name, enable)
	}
}

func (c *composeConverter) service(name string, s types.ServiceConfig) {
	path := "services." + name
	if err := core.ValidateInstanceName(c.stack, name); err != nil {
		fes := core.AsFieldErrors(err)
		if fes == nil {
			fes = core.FieldErrors{core.Errf(path, err.Error())}
		}
		for _, fe := range fes {
			c.fail(path, fe.Rule, fe.Hint)
		}
		return
	}
	if s.Provider != nil {
		c.fail(path+".provider", "provider services are not supported", "run the service with an `image:` instead")
		return
	}
	if s.Image == "" {
		c.fail(path+".build", "building images is not supported", "build the image first and set `image:`")
		return
	}
	if s.Build != nil {
		c.warn("%s.build: not carried over: devarch does not build images; it runs the image %s, which must exist", path, s.Image)
	}
	image := normalizeImage(s.Image)
	frag := c.fragment(name, s)
	eff := core.Template{
		Image: image, Command: s.Command, Entrypoint: s.Entrypoint, User: s.User, Restart: s.Restart,
		Env: c.composeEnv(name, s.Environment), Labels: map[string]string(s.Labels),
		Ports: c.ports(path, s.Ports), Volumes: c.volumes(name, s.Volumes, frag), Healthcheck: c.health(path, s.HealthCheck),
	}
	if len(eff.Labels) == 0 {
		eff.Labels = nil
	}
	repo, tag := splitComposeImage(image)
	inst := core.Instance{Name: name, Enabled: c.disabled[name] == ""}
	if bt, ok := c.byRepo[repo]; ok {
		inst.Template = bt.Name
		inst.Overrides = overridesFrom(bt, eff, tag)
		t := bt
		c.tpl[name] = &t
	} else {
		eff.Name = c.stack + "-" + name
		if err := core.ValidateName(path, eff.Name); err != nil {
			c.fail(path, fmt.Sprintf("template name %q is too long; shorten the stack or service name", eff.Name), "")
			return
		}
		inst.Template = eff.Name
		c.tpl[name] = &eff
		c.created = append(c.created, &eff)
		c.svcOfTpl[eff.Name] = name
	}
	if len(frag) > 0 {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(frag); err != nil {
			c.fail(path, "cannot carry its settings over: "+err.Error(), "")
			return
		}
		inst.Overrides.Compose = b.String()
	}
	c.out.Stack.Instances = append(c.out.Stack.Instances, inst)
}

// fragmentSkip are service keys that never go into the compose fragment:
// devarch has a field for them, the loader resolved them, or devarch owns
// them (see core.ComposeOwnedKeys) and fragment handles them with a warning.
var fragmentSkip = map[string]bool{
	"image": true, "build": true, "command": true, "entrypoint": true, "user": true, "restart": true,
	"environment": true, "env_file": true, "labels": true, "label_file": true, "ports": true,
	"volumes": true, "healthcheck": true, "depends_on": true, "extends": true, "profiles": true,
	"network_mode": true, "provider": true,
}

// fragment collects the service keys devarch has no field for into a
// compose fragment (escaped: the values are already interpolated), and
// warns about each key it cannot carry over.
func (c *composeConverter) fragment(name string, s types.ServiceConfig) map[string]any {
	path := "services." + name
	keys := c.model[name]
	frag := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		v := keys[k]
		switch {
		case fragmentSkip[k]:
		case k == "networks":
			c.serviceNetworks(path, s)
		case k == "container_name":
			c.warn("%s.container_name: not carried over: devarch names the container %s", path, core.ContainerName(c.stack, name))
		case k == "scale":
			if s.Scale != nil && *s.Scale != 1 {
				c.warn("%s.scale: not carried over: devarch runs one container per instance (`devarch instance duplicate` makes another)", path)
			}
		case k == "secrets" || k == "configs":
			c.warn("%s.%s: %s not carried over: devarch has no compose %s; give the value as a secret env var or a config file (`devarch instance set %s %s --secret-env KEY=- | --file TARGET=@FILE --sensitive`)",
				path, k, strings.Join(objectNames(v), ", "), k, c.stack, name)
		case k == "models":
			c.warn("%s.models: not carried over: devarch has no compose models", path)
		case k == "pull_policy" && v == "build":
			c.warn("%s.pull_policy: \"build\" not carried over: devarch does not build images", path)
		case k == "deploy":
			d, _ := v.(map[string]any)
			d = maps.Clone(d)
			if r, ok := d["replicas"]; ok {
				delete(d, "replicas")
				if fmt.Sprint(r) != "1" {
					c.warn("%s.deploy.replicas: not carried over: devarch runs one container per instance (`devarch instance duplicate` makes another)", path)
				}
			}
			if len(d) > 0 {
				frag[k] = escapeDollars(d)
			}
		default:
			frag[k] = escapeDollars(v)
		}
	}
	return frag
}

// objectNames lists the secrets or configs a service uses.
func objectNames(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, item := range l {
		switch it := item.(type) {
		case string:
			out = append(out, it)
		case map[string]any:
			out = append(out, fmt.Sprint(it["source"]))
		}
	}
	return out
}

func (c *composeConverter) serviceNetworks(path string, s types.ServiceConfig) {
	var names, aliases []string
	for _, n := range slices.Sorted(maps.Keys(s.Networks)) {
		cfg := s.Networks[n]
		if n == "default" && (cfg == nil || len(cfg.Aliases) == 0) {
			continue
		}
		names = append(names, n)
		if cfg != nil {
			aliases = append(aliases, cfg.Aliases...)
		}
	}
	if len(names) == 0 {
		return
	}
	msg := fmt.Sprintf("%s.networks: %s not carried over: every devarch instance joins the stack network %s and is reached by its name",
		path, strings.Join(names, ", "), core.NetworkName(c.stack))
	if len(aliases) > 0 {
		msg += fmt.Sprintf("; the aliases %s are lost", strings.Join(aliases, ", "))
	}
	c.warn("%s", msg)
}

// escapeDollars escapes every "$" of the strings in v as "$$": the values
// are interpolated already, and a compose fragment is taken as written.
func escapeDollars(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "$", "$$")
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = escapeDollars(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = escapeDollars(e)
		}
		return out
	}
	return v
}

// overridesFrom stores only what the compose service changes of template t.
// tag is the compose image's tag (":latest" when it has none) or digest.
func overridesFrom(t, eff core.Template, tag string) core.Overrides {
	var o core.Overrides
	if _, ttag := core.SplitImage(t.Image); tag != "" && tag != ttag {
		o.Tag = new(strings.TrimLeft(tag, ":@"))
	}
	if eff.Command != nil {
		o.Command = &eff.Command
	}
	if eff.Entrypoint != nil {
		o.Entrypoint = &eff.Entrypoint
	}
	if eff.User != "" && eff.User != t.User {
		o.User = &eff.User
	}
	if eff.Restart != "" && eff.Restart != t.Restart {
		o.Restart = &eff.Restart
	}
	for k, v := range eff.Env {
		if tv, ok := t.Env[k]; ok {
			v.Secret = v.Secret || tv.Secret
			if tv.Value == v.Value {
				continue
			}
		}
		if o.Env == nil {
			o.Env = map[string]core.EnvVar{}
		}
		o.Env[k] = v
	}
	if len(eff.Labels) > 0 {
		o.Labels = eff.Labels
	}
	if eff.Ports != nil {
		o.Ports = &eff.Ports
	}
	if eff.Volumes != nil {
		o.Volumes = &eff.Volumes
	}
	if eff.Healthcheck != nil {
		o.Healthcheck = eff.Healthcheck
	}
	return o
}

// composeEnv converts a service's resolved environment. A key is secret
// when its name says so or its value as written uses a variable whose name
// does; a key without a value that the environment does not set is left
// out, as compose leaves it out.
func (c *composeConverter) composeEnv(service string, m types.MappingWithEquals) map[string]core.EnvVar {
	if len(m) == 0 {
		return nil
	}
	out := map[string]core.EnvVar{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if v == nil {
			c.warn("services.%s.environment.%s: has no value and the variable is not set: left out, as compose does", service, k)
			continue
		}
		secret := secretKeyRE.MatchString(k)
		if raw, ok := c.rawEnv[service][k]; ok && !secret {
			for ref := range template.ExtractVariables(map[string]any{k: raw}, template.DefaultPattern) {
				secret = secret || secretKeyRE.MatchString(ref)
			}
		}
		out[k] = core.EnvVar{Value: *v, Secret: secret}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (c *composeConverter) ports(path string, in []types.ServicePortConfig) []core.Port {
	var out []core.Port
	for i, p := range in {
		host := 0
		if p.Published != "" {
			n, err := strconv.Atoi(p.Published)
			if err != nil {
				c.fail(fmt.Sprintf("%s.ports[%d]", path, i), fmt.Sprintf("published port %q: ranges are not supported; list each port", p.Published), "")
				continue
			}
			host = n
		}
		proto := p.Protocol
		if proto == "tcp" {
			proto = ""
		}
		out = append(out, core.Port{HostIP: p.HostIP, Host: host, Container: int(p.Target), Protocol: proto})
	}
	return out
}

// volumes converts volume and bind mounts; tmpfs mounts go into the
// fragment's tmpfs list. It records each devarch volume's compose index.
func (c *composeConverter) volumes(service string, in []types.ServiceVolumeConfig, frag map[string]any) []core.Volume {
	var out []core.Volume
	var idx []int
	for i, v := range in {
		path := fmt.Sprintf("services.%s.volumes[%d]", service, i)
		switch v.Type {
		case types.VolumeTypeVolume, types.VolumeTypeBind:
			if v.Source == "" {
				c.warn("%s: anonymous volume %s kept as a named volume %s-data", path, v.Target, service)
				v.Source = service + "-data"
			}
			if lost := volumeOptions(v); len(lost) > 0 {
				c.warn("%s: %s not carried over: devarch mounts %s at %s with default options", path, strings.Join(lost, ", "), v.Source, v.Target)
			}
			out = append(out, core.Volume{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
			idx = append(idx, i)
		case types.VolumeTypeTmpfs:
			entry := v.Target
			var opts []string
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", v.Tmpfs.Size))
			}
			if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
				opts = append(opts, fmt.Sprintf("mode=%o", v.Tmpfs.Mode))
			}
			if len(opts) > 0 {
				entry += ":" + strings.Join(opts, ",")
			}
			var list []any
			switch t := frag["tmpfs"].(type) {
			case string:
				list = []any{t}
			case []any:
				list = t
			}
			frag["tmpfs"] = append(list, escapeDollars(entry))
		default:
			c.warn("%s: %s mount at %s not carried over: devarch mounts named volumes and host paths only", path, v.Type, v.Target)
		}
	}
	c.volIdx[service] = idx
	return out
}

// volumeOptions names the mount options a devarch volume cannot hold.
func volumeOptions(v types.ServiceVolumeConfig) []string {
	var lost []string
	if v.Consistency != "" {
		lost = append(lost, "consistency")
	}
	if b := v.Bind; b != nil {
		if b.SELinux != "" {
			lost = append(lost, "selinux ("+b.SELinux+")")
		}
		if b.Propagation != "" {
			lost = append(lost, "propagation")
		}
		if b.Recursive != "" {
			lost = append(lost, "recursive")
		}
	}
	if vo := v.Volume; vo != nil {
		if vo.NoCopy {
			lost = append(lost, "nocopy")
		}
		if vo.Subpath != "" {
			lost = append(lost, "subpath")
		}
		if len(vo.Labels) > 0 {
			lost = append(lost, "labels")
		}
	}
	return lost
}

func (c *composeConverter) health(path string, h *types.HealthCheckConfig) *core.Healthcheck {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &core.Healthcheck{Test: []string{"NONE"}}
	}
	if h.StartInterval != nil {
		c.warn("%s.healthcheck.start_interval: not carried over: devarch checks at the interval during the start period too", path)
	}
	out := &core.Healthcheck{Test: slices.Clone([]string(h.Test))}
	d := func(p *types.Duration) core.Duration {
		if p == nil {
			return 0
		}
		return core.Duration(*p)
	}
	out.Interval, out.Timeout, out.StartPeriod = d(h.Interval), d(h.Timeout), d(h.StartPeriod)
	if h.Retries != nil {
		out.Retries = int(*h.Retries)
	}
	return out
}

// dependsOn turns `depends_on` into an import of the provider's contract and
// an explicit wire, so startup order and connection env both follow. A
// provider without exports gets an "x-{service}" contract on its first port.
func (c *composeConverter) dependsOn(name string, s types.ServiceConfig) {
	consumer, ok := c.instance(name)
	if !ok {
		return
	}
	path := "services." + name + ".depends_on."
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		cfg := s.DependsOn[dep]
		pt := c.tpl[dep]
		if pt == nil {
			continue
		}
		if why := c.disabled[dep]; why != "" && consumer.Enabled {
			if why == "profile" && cfg.Required {
				// compose refuses to start name too
				c.fail(path+dep, fmt.Sprintf("%s depends on %s, which is only started with a profile that is not active", name, dep),
					"activate the profile with --profile (or COMPOSE_PROFILES), or mark the dependency `required: false`")
				continue
			}
			c.warn("%s%s: dropped: %s is imported disabled", path, dep, dep)
			continue
		}
		if cfg.Condition == types.ServiceConditionCompletedSuccessfully {
			c.warn("%s%s.condition: service_completed_successfully not carried over: devarch starts %s once %s has started (or is healthy, when it has a healthcheck)", path, dep, name, dep)
		}
		if cfg.Restart && c.wroteRestart(name, dep) {
			c.warn("%s%s.restart: not carried over: devarch does not restart %s when %s restarts", path, dep, name, dep)
		}
		exp, ok := c.exportOf(dep, pt)
		if !ok {
			c.warn("%s%s: dropped: %s publishes no container port to wire to", path, dep, dep)
			continue
		}
		imp := core.Import{Name: dep, Type: exp.Type}
		ct := c.tpl[name]
		if ct.Builtin {
			imports := slices.Clone(ct.Imports)
			if consumer.Overrides.Imports != nil {
				imports = *consumer.Overrides.Imports
			}
			imports = append(imports, imp)
			consumer.Overrides.Imports = &imports
		} else {
			ct.Imports = append(ct.Imports, imp)
		}
		c.out.Stack.Wires = append(c.out.Stack.Wires, core.Wire{Consumer: name, Import: dep, Provider: dep})
	}
}

// wroteRestart reports whether the file sets `restart: true` on name's
// dependency on dep (compose-go sets it on the dependencies links,
// volumes_from and network_mode imply, which devarch keeps by other means).
func (c *composeConverter) wroteRestart(name, dep string) bool {
	deps, _ := c.model[name]["depends_on"].(map[string]any)
	d, _ := deps[dep].(map[string]any)
	r, _ := d["restart"].(bool)
	return r
}

func (c *composeConverter) instance(name string) (*core.Instance, bool) {
	return c.out.Stack.Instance(name)
}

func (c *composeConverter) exportOf(service string, t *core.Template) (core.Export, bool) {
	if len(t.Exports) > 0 {
		return t.Exports[0], true
	}
	if t.Builtin || len(t.Ports) == 0 {
		return core.Export{}, false
	}
	envName := strings.ToUpper(strings.ReplaceAll(service, "-", "_"))
	e := core.Export{
		Name: service, Type: core.ContractType("x-" + service), Port: t.Ports[0].Container,
		Env: map[string]string{envName + "_HOST": "{{.Host}}", envName + "_PORT": "{{.Port}}"},
	}
	t.Exports = append(t.Exports, e)
	return e, true
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
			c.warn("%s: %s not carried over: devarch has no compose %s; use secret env vars or config files", k, strings.Join(slices.Sorted(maps.Keys(v)), ", "), k)
		default:
			c.warn("%s: not carried over: devarch has no top-level %s", k, k)
		}
	}
}

// validate checks the new templates and the stack as the daemon will, and
// reports problems at the compose path and line they come from.
func (c *composeConverter) validate() {
	tpls := maps.Clone(c.builtins)
	for _, t := range c.created {
		c.addCore(core.ValidateTemplate(*t))
		tpls[t.Name] = *t
	}
	if len(c.errs) == 0 {
		c.addCore(core.ValidateStack(c.out.Stack, tpls))
	}
	if len(c.errs) == 0 {
		c.addCore(compose.ValidateFragments(c.out.Stack))
	}
}

func (c *composeConverter) addCore(err error) {
	if err == nil {
		return
	}
	fes := core.AsFieldErrors(err)
	if fes == nil {
		c.fail("file", err.Error(), "")
		return
	}
	for _, fe := range fes {
		field, rule := c.composePath(fe.Field, fe.Rule)
		c.errs = append(c.errs, &core.FieldError{Field: field, Line: c.lines.line(field), Rule: rule, Hint: fe.Hint})
	}
}

var fieldIndexRE = regexp.MustCompile(`^\.(ports|volumes)\[(\d+)\](.*)$`)

// composePath maps a devarch path (instances.web.ports[0],
// templates.shop-web.env.X) to the compose path it comes from
// (services.web.ports[0], services.web.environment.X); a value the compose
// file does not hold (a built-in template's) is reported at the service.
func (c *composeConverter) composePath(field, rule string) (string, string) {
	rule = strings.ReplaceAll(rule, "by instance ", "by service ")
	var svc, rest string
	switch {
	case strings.HasPrefix(field, "instances."):
		r := strings.TrimPrefix(field, "instances.")
		i := strings.IndexAny(r, ".[")
		if i < 0 {
			i = len(r)
		}
		svc, rest = r[:i], r[i:]
	case strings.HasPrefix(field, "templates."):
		r := strings.TrimPrefix(field, "templates.")
		i := strings.IndexAny(r, ".[")
		if i < 0 {
			i = len(r)
		}
		s, ok := c.svcOfTpl[r[:i]]
		if !ok {
			return field, rule
		}
		svc, rest = s, r[i:]
	case strings.HasPrefix(field, "wires["):
		var i int
		if _, err := fmt.Sscanf(field, "wires[%d]", &i); err == nil && i < len(c.out.Stack.Wires) {
			w := c.out.Stack.Wires[i]
			return "services." + w.Consumer + ".depends_on." + w.Provider, rule
		}
		return field, rule
	default:
		return field, rule
	}
	base := "services." + svc
	out := base + rest
	switch {
	case fieldIndexRE.MatchString(rest):
		m := fieldIndexRE.FindStringSubmatch(rest)
		n, _ := strconv.Atoi(m[2])
		if m[1] == "volumes" {
			if idx := c.volIdx[svc]; n < len(idx) {
				n = idx[n]
			}
		}
		out = fmt.Sprintf("%s.%s[%d]%s", base, m[1], n, m[3])
	case strings.HasPrefix(rest, ".env"):
		out = base + ".environment" + strings.TrimPrefix(rest, ".env")
	case rest == ".compose":
		out = base
		rule = "a setting carried over in the instance's compose fragment: " + rule
	case rest == ".template" || rest == ".tag" || rest == ".image":
		out = base + ".image"
	case strings.HasPrefix(rest, ".imports"):
		out = base + ".depends_on"
	}
	if _, ok := c.lines.byPath[out]; !ok && out != base {
		// Not in the file: the value comes from the template.
		if t := c.tpl[svc]; t != nil && t.Builtin {
			rule = fmt.Sprintf("%s of the built-in template %s: %s", strings.TrimPrefix(rest, "."), t.Name, rule)
			return base, rule
		}
	}
	return out, rule
}
