package devfile

import (
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// dependsOn keeps `depends_on` as the instance's own dependencies, with
// their conditions, restart and required flags: compose's startup order,
// whether or not a contract could be wired. No import or wire is made, so
// no connection env the file does not set is injected.
func (c *composeConverter) dependsOn(name string, s types.ServiceConfig) {
	consumer, ok := c.instance(name)
	if !ok {
		return
	}
	path := "services." + name + ".depends_on."
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		cfg := s.DependsOn[dep]
		if c.tpl[dep] == nil {
			continue
		}
		if why := c.disabled[dep]; why != "" && consumer.Enabled {
			if why == "profile" && cfg.Required {
				// compose refuses to start name too
				c.fail(path+dep, fmt.Sprintf("%s depends on %s, which is only started with a profile that is not active", name, dep),
					"activate the profile with --profile (or COMPOSE_PROFILES), or mark the dependency `required: false`")
				continue
			}
			c.warn("%s%s: %s is imported disabled: the dependency applies once it is enabled", path, dep, dep)
		}
		d := core.DependsOn{Restart: cfg.Restart, Optional: !cfg.Required}
		if cfg.Condition != "" && cfg.Condition != core.ConditionStarted {
			d.Condition = cfg.Condition
		}
		if consumer.Overrides.DependsOn == nil {
			consumer.Overrides.DependsOn = map[string]core.DependsOn{}
		}
		consumer.Overrides.DependsOn[dep] = d
	}
}
