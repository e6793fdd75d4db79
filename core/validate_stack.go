package core

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ComposeOwnedKeys are the compose service keys devarch sets itself (from
// the instance's name, wiring and healthcheck) or that would break a
// stack's isolation; an instance's compose fragment may not set them. Sorted.
var ComposeOwnedKeys = []string{
	"container_name", "depends_on", "extends", "healthcheck", "network_mode", "networks", "profiles", "scale",
}

// ValidateStack checks st against the templates it uses: the stack name and
// join_networks; each instance's name (unique, DNS label, container name
// within 63 characters), template and overrides; that no two enabled
// instances publish the same host IP:port/protocol; and that every wire names
// existing instances and an import the consumer has. Every problem is
// returned as FieldErrors with paths such as "instances.api.ports[1]".
func ValidateStack(st Stack, templates map[string]Template) error {
	c := &checker{}
	if err := ValidateStackName(st.Name); err != nil {
		c.errs = append(c.errs, AsFieldErrors(err)...)
	}
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

	services := map[string]*Service{}
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
		services[inst.Name] = &svc
		order = append(order, inst.Name)
	}
	c.stackPorts(order, services)
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
	if o.Restart != nil {
		c.restart(base+"restart", *o.Restart)
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
	}
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
			if p := exportEnvProblem(k, e.Env[k], data); p != "" {
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
	var m map[string]any
	if err := yaml.Unmarshal([]byte(frag), &m); err != nil {
		c.add(field, fmt.Sprintf("is not a YAML mapping of compose service keys: %v", err))
		return
	}
	if m == nil {
		c.add(field, "must be a YAML mapping of compose service keys")
		return
	}
	for _, k := range ComposeOwnedKeys {
		if _, ok := m[k]; ok {
			c.add(field, fmt.Sprintf("sets %q, which devarch manages; remove it from the fragment", k))
		}
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
