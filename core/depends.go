package core

import (
	"fmt"
	"maps"
	"slices"
)

// Compose's depends_on conditions.
const (
	ConditionStarted   = "service_started"
	ConditionHealthy   = "service_healthy"
	ConditionCompleted = "service_completed_successfully"
)

// DependsOn is a startup dependency an instance declares, as compose's
// depends_on entry: Condition (default service_started), Restart (restart
// the instance when the dependency restarts) and Optional (compose's
// required: false). Wiring adds dependencies; it never replaces these.
type DependsOn struct {
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
	Restart   bool   `json:"restart,omitempty" yaml:"restart,omitempty"`
	Optional  bool   `json:"optional,omitempty" yaml:"optional,omitempty"`
}

// declaredDeps checks the depends_on an instance declares: each names
// another instance of the stack, with a known condition.
func (c *checker) declaredDeps(base string, self string, deps map[string]DependsOn, instances map[string]bool) {
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		field := base + "depends_on." + name
		switch {
		case name == self:
			c.add(field, "an instance cannot depend on itself")
		case !instances[name]:
			c.add(field, fmt.Sprintf("names no instance of the stack (%q)", name))
		}
		switch deps[name].Condition {
		case "", ConditionStarted, ConditionHealthy, ConditionCompleted:
		default:
			c.add(field+".condition", fmt.Sprintf("%q is not a condition: want %s, %s or %s", deps[name].Condition, ConditionStarted, ConditionHealthy, ConditionCompleted))
		}
	}
}

// ComposeCondition is the compose depends_on condition of d: the declared
// one, else service_healthy when the provider has a healthcheck.
func (d Dependency) ComposeCondition() string {
	switch {
	case d.Condition != "":
		return d.Condition
	case d.Healthy:
		return ConditionHealthy
	}
	return ConditionStarted
}

// aliases checks an instance's extra network aliases: names a container
// could have ([a-zA-Z0-9][a-zA-Z0-9_.-]*), each once.
func (c *checker) aliases(field string, aliases []string) {
	for i, a := range aliases {
		switch {
		case !aliasRE().MatchString(a):
			c.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not a network alias: letters, digits, '_', '.', '-', starting with a letter or digit", a))
		case slices.Contains(aliases[:i], a):
			c.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is listed twice", a))
		}
	}
}
