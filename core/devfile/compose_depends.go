package devfile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

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
