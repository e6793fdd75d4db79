package devfile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

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
		case k == "container_name": // an alias (see service)
		case k == "scale":
			if s.Scale != nil && *s.Scale != 1 {
				c.warn("%s.scale: not carried over: devarch runs one container per instance (`devarch instance duplicate` makes another)", path)
			}
		case k == "secrets" || k == "configs": // config files (see serviceObjects)
		case k == "models":
			c.warn("%s.models: not carried over: devarch has no compose models", path)
		case k == "pull_policy" && v == "build": // devarch builds what has a build
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
