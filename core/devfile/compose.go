package devfile

import (
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
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// ComposeImport is a compose file turned into devarch templates and a stack.
type ComposeImport struct {
	Stack     core.Stack
	Templates []core.Template // new user templates, sorted
	Warnings  []string
}

// secretKeyRE marks env keys whose values are treated as secrets.
var secretKeyRE = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)`)

// FromCompose converts a compose file: every service becomes an instance.
// A service whose image is a catalog image (same repository) becomes an
// instance of that built-in template with overrides, so it keeps the
// catalog's exports; any other service gets a new template named
// "{stack}-{service}". depends_on becomes imports and explicit wires.
// workdir resolves relative bind mounts.
func FromCompose(data []byte, filename, stack, workdir string, builtins []core.Template) (*ComposeImport, error) {
	if err := core.ValidateStackName(stack); err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, core.Errf("file", fmt.Sprintf("is %d bytes; the limit is %d bytes (1 MiB)", len(data), MaxSize))
	}
	if filename == "" {
		filename = "compose.yaml"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  workdir,
		ConfigFiles: []types.ConfigFile{{Filename: filename, Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName(stack, true)
		o.ResolvePaths = true
		o.SkipConsistencyCheck = false
	})
	if err != nil {
		return nil, core.Errf("file", "not a valid compose file: "+err.Error())
	}
	c := composeConverter{stack: stack, byRepo: map[string]core.Template{}, out: &ComposeImport{Stack: core.Stack{Name: stack}}}
	for _, t := range builtins {
		repo, _ := core.SplitImage(t.Image)
		c.byRepo[repo] = t
	}
	names := slices.Sorted(maps.Keys(p.Services))
	for _, name := range names {
		c.service(name, p.Services[name])
	}
	for _, name := range names {
		c.dependsOn(name, p.Services[name])
	}
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
	stack  string
	byRepo map[string]core.Template
	out    *ComposeImport
	errs   core.FieldErrors
	tpl    map[string]*core.Template // service → its template (new or built-in)
	// created are the new templates; pointers, so dependsOn can add imports
	// and exports after all services are read.
	created []*core.Template
}

// normalizeImage makes a compose image reference fully qualified.
func normalizeImage(ref string) string {
	first, _, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		return "docker.io/library/" + ref
	case strings.ContainsAny(first, ".:") || first == "localhost":
		return ref
	}
	return "docker.io/" + ref
}

func (c *composeConverter) warn(format string, args ...any) {
	c.out.Warnings = append(c.out.Warnings, fmt.Sprintf(format, args...))
}

func (c *composeConverter) service(name string, s types.ServiceConfig) {
	path := "services." + name
	if c.tpl == nil {
		c.tpl = map[string]*core.Template{}
	}
	if s.Image == "" {
		c.errs = append(c.errs, &core.FieldError{Field: path + ".build", Rule: "building images is not supported", Hint: "build the image first and set `image:`"})
		return
	}
	if s.Build != nil {
		c.warn("service %s: build section ignored; using image %s", name, s.Image)
	}
	image := normalizeImage(s.Image)
	eff := core.Template{
		Image: image, Command: s.Command, Entrypoint: s.Entrypoint, User: s.User, Restart: s.Restart,
		Env: composeEnv(s.Environment), Labels: map[string]string(s.Labels),
		Ports: c.ports(path, s.Ports), Volumes: c.volumes(name, s.Volumes), Healthcheck: composeHealth(s.HealthCheck),
	}
	if len(eff.Labels) == 0 {
		eff.Labels = nil
	}
	repo, tag := core.SplitImage(image)
	inst := core.Instance{Name: name, Enabled: true}
	if err := core.ValidateInstanceName(c.stack, name); err != nil {
		var fe *core.FieldError
		if errors.As(err, &fe) {
			c.errs = append(c.errs, &core.FieldError{Field: path, Rule: fe.Rule, Hint: fe.Hint})
		} else {
			c.errs = append(c.errs, &core.FieldError{Field: path, Rule: err.Error()})
		}
		return
	}
	if bt, ok := c.byRepo[repo]; ok {
		inst.Template = bt.Name
		inst.Overrides = overridesFrom(bt, eff, tag)
		t := bt
		c.tpl[name] = &t
	} else {
		eff.Name = c.stack + "-" + name
		if err := core.ValidateName("services."+name, eff.Name); err != nil {
			c.errs = append(c.errs, core.Errf(path, fmt.Sprintf("template name %q is too long; shorten the stack or service name", eff.Name)))
			return
		}
		inst.Template = eff.Name
		c.tpl[name] = &eff
		c.created = append(c.created, &eff)
	}
	c.out.Stack.Instances = append(c.out.Stack.Instances, inst)
}

// overridesFrom stores only what the compose service changes of template t.
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

func composeEnv(m types.MappingWithEquals) map[string]core.EnvVar {
	if len(m) == 0 {
		return nil
	}
	out := map[string]core.EnvVar{}
	for k, v := range m {
		val := ""
		if v != nil {
			val = *v
		}
		out[k] = core.EnvVar{Value: val, Secret: secretKeyRE.MatchString(k)}
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
				c.errs = append(c.errs, core.Errf(fmt.Sprintf("%s.ports[%d]", path, i), fmt.Sprintf("published port %q: ranges are not supported; list each port", p.Published)))
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

func (c *composeConverter) volumes(service string, in []types.ServiceVolumeConfig) []core.Volume {
	var out []core.Volume
	for _, v := range in {
		switch v.Type {
		case types.VolumeTypeVolume, types.VolumeTypeBind:
			if v.Source == "" {
				c.warn("service %s: anonymous volume %s kept as a named volume %s-data", service, v.Target, service)
				v.Source = service + "-data"
			}
			out = append(out, core.Volume{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
		default:
			c.warn("service %s: %s mount at %s is not supported and was left out", service, v.Type, v.Target)
		}
	}
	return out
}

func composeHealth(h *types.HealthCheckConfig) *core.Healthcheck {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &core.Healthcheck{Test: []string{"NONE"}}
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
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		pt := c.tpl[dep]
		if pt == nil {
			continue
		}
		exp, ok := c.exportOf(dep, pt)
		if !ok {
			c.warn("service %s: depends_on %s dropped: %s publishes no container port to wire to", name, dep, dep)
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
