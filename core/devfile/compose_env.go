package devfile

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// secretKeyRE marks env keys whose values are treated as secrets.
var secretKeyRE = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)`)

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
	// secrets and configs read from `environment: VAR`
	for _, kind := range []string{"secrets", "configs"} {
		defs, _ := raw[kind].(map[string]any)
		for _, d := range defs {
			dm, _ := d.(map[string]any)
			if v, ok := dm["environment"].(string); ok && v != "" {
				set[v] = true
			}
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
	for _, name := range unsetNames(data, raw, c.env) {
		c.warn("variable %s is not set: it was replaced by an empty string (export it, or set it in the .env file next to the compose file)", name)
	}
}

// unsetNames are the variables of the file, sorted, that env does not set
// and that have no default: compose replaces them with "".
func unsetNames(data []byte, raw map[string]any, env map[string]string) []string {
	if raw == nil {
		return nil
	}
	explicitEmpty := map[string]bool{}
	for _, m := range emptyDefaultRE.FindAllStringSubmatch(string(data), -1) {
		explicitEmpty[m[1]] = true
	}
	vars := template.ExtractVariables(raw, template.DefaultPattern)
	var out []string
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		if v.Required || v.DefaultValue != "" || v.PresenceValue != "" || explicitEmpty[name] {
			continue
		}
		if _, set := env[name]; !set {
			out = append(out, name)
		}
	}
	return out
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
