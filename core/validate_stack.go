package core

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// ComposeOwnedKeys are the compose service keys devarch sets itself (from
// the instance's name, wiring and healthcheck), that would break a stack's
// isolation, or that would bypass its checks (ports: published ports must go
// through --port so the per-stack host port check sees them; environment,
// env_file and secrets: values must go through --env and --secret-env so a
// secret is known and redacted); an instance's compose fragment may not set
// them. Sorted.
var ComposeOwnedKeys = []string{
	"container_name", "depends_on", "env_file", "environment", "extends", "healthcheck", "network_mode",
	"networks", "ports", "profiles", "scale", "secrets",
}

// ComposeOwnedKeyRule is the rule a fragment breaks by setting key, one of
// ComposeOwnedKeys, with the devarch way to get the same effect.
func ComposeOwnedKeyRule(key string) string {
	rule := fmt.Sprintf("sets %q, which devarch manages; ", key)
	switch key {
	case "ports":
		return rule + "publish ports with --port (instance set STACK NAME --port [IP:]HOST:CONTAINER), so devarch can check them for host port conflicts"
	case "healthcheck":
		return rule + "use the --healthcheck-* flags or --no-healthcheck"
	case "depends_on":
		return rule + "startup order follows the instance's wires (devarch wire) and its own depends_on (in devarch.yml)"
	case "environment", "env_file", "secrets":
		return rule + "set variables with --env, and secret ones with --secret-env, so devarch keeps secrets sealed and redacted"
	}
	return rule + "remove it from the fragment"
}

// ValidateStack checks st against the templates it uses: the stack name and
// join_networks; each instance's name (unique, DNS label, container name
// within 63 characters), template and overrides; that no two enabled
// instances publish the same host IP:port/protocol; that no named volume an
// instance inherits from its template is mounted by another instance; and
// that every wire names existing instances and an import the consumer has.
// Every problem is returned as FieldErrors with paths such as
// "instances.api.ports[1]".
func ValidateStack(st Stack, templates map[string]Template) error {
	c := &checker{}
	if err := ValidateStackName(st.Name); err != nil {
		c.errs = append(c.errs, AsFieldErrors(err)...)
	}
	c.size("stack.description", "description", len(st.Description), MaxDescription)
	c.size("stack.environment", "environment", len(st.Environment), MaxEnvironment)
	joined := map[string]bool{}
	for i, other := range st.JoinNetworks {
		f := fmt.Sprintf("stack.join_networks[%d]", i)
		err := ValidateName(f, other)
		switch {
		case err != nil:
			c.errs = append(c.errs, AsFieldErrors(err)...)
		case other == st.Name:
			c.add(f, "a stack cannot join its own network")
		case joined[other]:
			c.add(f, fmt.Sprintf("stack %q is listed twice", other))
		}
		joined[other] = true
	}

	for _, err := range []error{
		ValidateComposeMode("stack.compose_mode", st.ComposeMode),
		ValidateEndpointMode("stack.endpoint_mode", st.EndpointMode),
	} {
		c.errs = append(c.errs, AsFieldErrors(err)...)
	}

	services := map[string]*Service{}
	instances := map[string]Instance{}
	var order []string
	seen := map[string]bool{}
	for _, inst := range st.Instances {
		base := "instances." + inst.Name
		if seen[inst.Name] {
			c.add(base, fmt.Sprintf("duplicate instance name %q: names are unique in a stack", inst.Name))
			continue
		}
		seen[inst.Name] = true
		if err := ValidateInstanceName(st.Name, inst.Name); err != nil {
			c.errs = append(c.errs, AsFieldErrors(err)...)
		}
		tpl, ok := templates[inst.Template]
		if !ok {
			rule := fmt.Sprintf("unknown template %q", inst.Template)
			if inst.Template == "" {
				rule = "is required: the name of a template"
			}
			c.errs = append(c.errs, &FieldError{Field: base + ".template", Rule: rule, Hint: "devarch template ls"})
			continue
		}
		svc := Merge(tpl, inst)
		c.overrides(base+".", inst.Overrides, tpl, svc)
		if inst.Overrides.Replicas != nil || inst.Overrides.Ports != nil {
			// The template's own pair is the template's error.
			c.replicas(base+".replicas", svc.Replicas, svc.Ports)
		}
		services[inst.Name] = &svc
		instances[inst.Name] = inst
		order = append(order, inst.Name)
	}
	for _, inst := range st.Instances {
		c.declaredDeps("instances."+inst.Name+".", inst.Name, inst.Overrides.DependsOn, seen)
		c.aliases("instances."+inst.Name+".aliases", inst.Overrides.Aliases)
	}
	c.stackPorts(order, services)
	c.composeRefs(st.Name, st.Instances, seen)
	c.sharedVolumes(order, instances, services, templates)
	c.wires(st.Wires, seen, services)
	return c.errs.Err()
}

// overrides checks an instance's overrides by the rules of the template
// fields they replace.
func (c *checker) overrides(base string, o Overrides, tpl Template, svc Service) {
	if o.Image != nil {
		if p := imageProblem(*o.Image); p != "" {
			c.add(base+"image", p)
		}
	}
	if o.Tag != nil {
		if err := ValidateTag(base+"tag", *o.Tag); err != nil {
			c.errs = append(c.errs, err.(*FieldError))
		}
	}
	c.build(base+"build", o.Build)
	switch {
	case o.NoBuild && o.Build != nil:
		c.add(base+"no_build", "contradicts the instance's own build: set one or the other")
	case o.NoBuild && tpl.Build == nil:
		c.add(base+"no_build", fmt.Sprintf("template %q does not build; there is no build to drop", tpl.Name))
	case o.NoBuild && svc.Image == "":
		c.add(base+"image", fmt.Sprintf("is required: template %q builds its image and no_build drops the build, so the instance needs an image to run", tpl.Name))
	case svc.Build != nil && (o.Image != nil || o.Tag != nil):
		c.add(base+"build", "the instance builds its image, so its image and tag overrides are not used: name the image in build.image, or drop the build with no_build")
	}
	if o.Command != nil {
		c.args(base+"command", *o.Command)
	}
	if o.Entrypoint != nil {
		c.args(base+"entrypoint", *o.Entrypoint)
	}
	if o.User != nil {
		c.user(base+"user", *o.User)
	}
	if o.Restart != nil {
		c.restart(base+"restart", *o.Restart, true)
	}
	c.env(base+"env", o.Env)
	c.envKeys(base+"unset_env", o.UnsetEnv)
	c.labels(base+"labels", o.Labels)
	if o.Ports != nil {
		c.ports(base+"ports", *o.Ports)
	}
	if o.Volumes != nil {
		c.volumes(base+"volumes", *o.Volumes)
	}
	c.healthcheck(base+"healthcheck", o.Healthcheck)
	for _, target := range sortedKeys(o.Files) {
		f := o.Files[target]
		field := base + "files[" + target + "]"
		if f.Target != "" && f.Target != target {
			c.add(field+".target", fmt.Sprintf("%q differs from the target %q it is stored under", f.Target, target))
			continue
		}
		f.Target = target
		c.file(field, f)
		for _, g := range svc.Files {
			_, own := o.Files[g.Target]
			if own && g.Target < target {
				continue // reported on g's field
			}
			if p := fileNesting(target, g.Target); p != "" {
				c.add(field+".target", p)
			}
		}
	}
	c.mountClashes(base, o, tpl, svc)
	if o.Domains != nil {
		c.domains(base+"domains", *o.Domains)
	}
	if o.Exports != nil {
		c.exports(base+"exports", *o.Exports, nil, svc.Env, false)
	} else if len(o.UnsetEnv) > 0 && !svc.ExportsStale {
		c.exportEnvAfterUnset(base+"unset_env", svc)
	}
	if o.Imports != nil {
		c.imports(base+"imports", *o.Imports)
	}
	c.compose(base+"compose", o.Compose)
}

// mountClashes reports an effective config file and volume mounted at the
// same container path when the instance sets at least one of the two (a
// template's own clash is refused when the template is saved). The error is
// on the instance's field and names the other.
func (c *checker) mountClashes(base string, o Overrides, tpl Template, svc Service) {
	volField := func(i int) string {
		if o.Volumes != nil {
			return fmt.Sprintf("%svolumes[%d]", base, i)
		}
		return fmt.Sprintf("volumes[%d] of template %s", i, tpl.Name)
	}
	for _, target := range sortedKeys(o.Files) {
		for i, v := range svc.Volumes {
			if v.Target == target {
				c.add(base+"files["+target+"]", mountClash(target, volField(i)))
			}
		}
	}
	if o.Volumes == nil {
		return
	}
	for j, f := range tpl.Files {
		if _, own := o.Files[f.Target]; own || f.Target == "" {
			continue
		}
		for i, v := range svc.Volumes {
			if v.Target == f.Target {
				c.add(volField(i), fmt.Sprintf("target %q is also mounted by config file files[%d] of template %s: one mount per container path; drop the volume or the file",
					f.Target, j, tpl.Name))
			}
		}
	}
}

// exportEnvAfterUnset reports inherited exports whose env templates no
// longer render once template env keys are unset.
func (c *checker) exportEnvAfterUnset(field string, svc Service) {
	values := make(map[string]string, len(svc.Env))
	for k, v := range svc.Env {
		values[k] = v.Value
	}
	for _, e := range svc.Exports {
		for _, k := range sortedKeys(e.Env) {
			data := ExportData{Host: ContainerName("stack", svc.Instance), Port: e.Port, Instance: svc.Instance, Stack: "stack", Env: values}
			if p := exportEnvProblem(e.Env[k], data); p != "" {
				c.add(field, fmt.Sprintf("breaks export %q: its env %s %s; keep the key or override exports", e.Name, k, p))
			}
		}
	}
}

// compose checks a raw compose service fragment: a YAML mapping that sets
// none of the keys devarch owns.
func (c *checker) compose(field, frag string) {
	if strings.TrimSpace(frag) == "" {
		return
	}
	if p := sizeProblem("fragment", len(frag), MaxCompose); p != "" {
		c.add(field, p)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(frag), &doc); err != nil {
		c.add(field, fmt.Sprintf("is not a YAML mapping of compose service keys: %v", err))
		return
	}
	if fe := fragmentTagError(field, &doc); fe != nil {
		c.errs = append(c.errs, fe)
		return
	}
	var m map[string]any
	if err := doc.Decode(&m); err != nil {
		c.add(field, fmt.Sprintf("is not a YAML mapping of compose service keys: %v", err))
		return
	}
	if m == nil {
		c.add(field, "must be a YAML mapping of compose service keys")
		return
	}
	for _, k := range ComposeOwnedKeys {
		if _, ok := m[k]; ok {
			c.add(field, ComposeOwnedKeyRule(k))
		}
	}
	if nulIn(m) {
		c.add(field, "a value contains a NUL byte, which the container runtime refuses")
	}
	var keys []string
	switch l := m["labels"].(type) {
	case map[string]any:
		keys = sortedKeys(l)
	case []any:
		for _, item := range l {
			s, _ := item.(string)
			k, _, _ := strings.Cut(s, "=")
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "devarch.") {
			c.add(field, fmt.Sprintf("sets label %q; devarch.* labels are managed by devarch", k))
		}
	}
}

// stackPorts reports host sockets claimed by two enabled instances.
func (c *checker) stackPorts(order []string, services map[string]*Service) {
	slices.Sort(order)
	for i, name := range order {
		s := services[name]
		if !s.Enabled {
			continue
		}
		for k, p := range s.Ports {
			if p.Host == 0 || portProblem(p) != "" {
				continue
			}
			for _, otherName := range order[:i] {
				o := services[otherName]
				if !o.Enabled {
					continue
				}
				j := slices.IndexFunc(o.Ports, func(q Port) bool { return portProblem(q) == "" && portsOverlap(p, q) })
				if j >= 0 {
					c.add(fmt.Sprintf("instances.%s.ports[%d]", name, k), fmt.Sprintf(
						"host port %s is also published by instance %s (%s): two instances of a stack cannot publish the same host IP:port",
						HostPortString(p), otherName, HostPortString(o.Ports[j])))
					break
				}
			}
		}
	}
}

// sharedVolumeRule says why an inherited data volume may not be shared and
// how to share one on purpose.
const sharedVolumeRule = "two instances must not share a data volume by accident: give one of them its own with --volume, " +
	"or share it on purpose by setting the same --volume on both"

// sharedVolumes reports a named volume an instance gets from its template
// (it has no volumes override, so Merge scoped the name to it: postgres-data
// of pg is pg-postgres-data) that another instance of the stack also mounts,
// enabled or not: a disabled instance keeps its data for when it is enabled.
// The typical case is a rename, which pins the renamed instance's volumes to
// the old scoped names, followed by a new instance under the old name that
// inherits the same names. Volumes two instances both set themselves may be
// shared on purpose. The error is on the inheriting instance's volume.
func (c *checker) sharedVolumes(order []string, instances map[string]Instance, services map[string]*Service, templates map[string]Template) {
	users := map[string][]string{} // named volume -> instances mounting it, in order
	for _, name := range order {
		for _, v := range services[name].Volumes {
			if IsNamedVolume(v.Source) && !slices.Contains(users[v.Source], name) {
				users[v.Source] = append(users[v.Source], name)
			}
		}
	}
	for _, name := range order {
		if instances[name].Overrides.Volumes != nil {
			continue
		}
		for i, v := range services[name].Volumes {
			if !IsNamedVolume(v.Source) {
				continue
			}
			for _, other := range users[v.Source] {
				if other == name {
					continue
				}
				c.add(fmt.Sprintf("instances.%s.volumes[%d]", name, i), fmt.Sprintf("volume %s is also mounted by instance %s (%s); %s",
					v.Source, other, volumeOrigin(instances[other], templates[instances[other].Template], v.Source), sharedVolumeRule))
			}
		}
	}
}

// volumeOrigin says how inst comes to mount named volume source: from its
// template, kept when it was renamed (its volumes override names a scoped
// copy of a template volume, at that volume's target, scoped to another
// name), or set with --volume.
func volumeOrigin(inst Instance, tpl Template, source string) string {
	if inst.Overrides.Volumes == nil {
		return "from its template " + inst.Template
	}
	for _, v := range *inst.Overrides.Volumes {
		if v.Source != source {
			continue
		}
		for _, tv := range tpl.Volumes {
			if tv.Target == v.Target && IsNamedVolume(tv.Source) &&
				strings.HasSuffix(v.Source, "-"+tv.Source) && v.Source != inst.Name+"-"+tv.Source {
				return "which kept it when renamed"
			}
		}
	}
	return "set with --volume"
}

// wires checks explicit wires: existing instances, a real import of the
// consumer, no self-wire, one wire per consumer import.
func (c *checker) wires(wires []Wire, instances map[string]bool, services map[string]*Service) {
	seen := map[[2]string]int{}
	for i, w := range wires {
		f := fmt.Sprintf("wires[%d]", i)
		ok := true
		if !instances[w.Consumer] {
			c.add(f+".consumer", fmt.Sprintf("no instance %q in the stack", w.Consumer))
			ok = false
		}
		if !instances[w.Provider] {
			c.add(f+".provider", fmt.Sprintf("no instance %q in the stack", w.Provider))
			ok = false
		}
		if ok && w.Consumer == w.Provider {
			c.add(f+".provider", fmt.Sprintf("instance %q cannot be wired to itself", w.Consumer))
		}
		if svc, found := services[w.Consumer]; found {
			if !slices.ContainsFunc(svc.Imports, func(im Import) bool { return im.Name == w.Import }) {
				names := make([]string, len(svc.Imports))
				for j, im := range svc.Imports {
					names[j] = im.Name
				}
				has := "it has no imports"
				if len(names) > 0 {
					has = "its imports: " + strings.Join(names, ", ")
				}
				c.add(f+".import", fmt.Sprintf("instance %q has no import %q (%s)", w.Consumer, w.Import, has))
			}
		}
		key := [2]string{w.Consumer, w.Import}
		if j, dup := seen[key]; dup {
			c.add(f, fmt.Sprintf("%s.%s is already wired by wires[%d]; an import has one provider", w.Consumer, w.Import, j))
		}
		seen[key] = i
	}
}

// nulIn reports whether a decoded YAML value holds a string with a NUL byte
// (YAML can write one as "\0").
func nulIn(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case map[string]any:
		for k, x := range v {
			if strings.IndexByte(k, 0) >= 0 || nulIn(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if nulIn(x) {
				return true
			}
		}
	}
	return false
}
