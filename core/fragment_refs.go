package core

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"
)

// fragmentRefKeys are the compose service keys that may name another
// service ("service:NAME", or a bare NAME in volumes_from) or container
// ("container:NAME") to share its namespaces or volumes with. network_mode
// is one too, but a fragment may not set it at all (ComposeOwnedKeys).
var fragmentRefKeys = []string{"pid", "ipc", "volumes_from"}

// composeRefs checks that the compose fragments of a stack's instances share
// namespaces and volumes only within the stack: volumes_from, pid and ipc
// may name another instance (service:NAME or NAME) or its container
// (container:devarch-STACK-NAME), never a container or service outside it,
// whose data or processes would be taken over.
func (c *checker) composeRefs(stack string, insts []Instance, names map[string]bool) {
	for _, inst := range insts {
		frag := inst.Overrides.Compose
		if strings.TrimSpace(frag) == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(frag), &m); err != nil {
			continue // reported by compose
		}
		base := "instances." + inst.Name + ".compose."
		for _, key := range fragmentRefKeys {
			var refs []string
			switch v := m[key].(type) {
			case string:
				refs = []string{v}
			case []any:
				for _, item := range v {
					if s, ok := item.(string); ok {
						refs = append(refs, s)
					}
				}
			}
			for i, ref := range refs {
				field := base + key
				if key == "volumes_from" {
					field = fmt.Sprintf("%s[%d]", field, i)
				}
				if rule := refProblem(stack, key, ref, inst.Name, names); rule != "" {
					c.add(field, rule)
				}
			}
		}
	}
}

// refProblem says why ref, the value of key, names something outside the
// stack; "" when it stays inside (or names no container at all).
func refProblem(stack, key, ref, self string, names map[string]bool) string {
	kind, name, found := strings.Cut(ref, ":")
	if key == "volumes_from" {
		if !found || kind != "container" {
			// SERVICE[:ro|rw]
			name, kind = kind, "service"
		} else {
			// container:NAME[:ro|rw]
			name, _, _ = strings.Cut(name, ":")
		}
	} else if !found || (kind != "service" && kind != "container") {
		return "" // host, bridge, none, private, shareable, ...
	}
	inside := false
	switch kind {
	case "service":
		inside = names[name]
	case "container":
		inst, ok := strings.CutPrefix(name, ContainerName(stack, ""))
		inside = ok && names[inst]
	}
	switch {
	case !inside:
		return fmt.Sprintf("names %s %q, which is not an instance of stack %s: a fragment may share namespaces and volumes only with "+
			"the stack's own instances (service:INSTANCE or container:%s)", kind, name, stack, ContainerName(stack, "INSTANCE"))
	case kind == "service" && name == self || kind == "container" && name == ContainerName(stack, self):
		return "names the instance itself"
	}
	return ""
}
