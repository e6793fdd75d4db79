package devfile

import (
	"reflect"
	"slices"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// A spec is a core value with some of its keys (env, files) held by the
// spec's own sealable fields instead. The YAML library refuses a key both
// an inlined struct and its outer struct declare, so specs split and join
// their mappings themselves: the outer keys go to the spec's fields, the
// rest to the core value.

// UnmarshalYAML reads the template's keys into the core.Template and env and
// files into the spec's sealable fields.
func (t *TemplateSpec) UnmarshalYAML(n *yaml.Node) error {
	*t = TemplateSpec{}
	own, rest, err := splitMapping(n, "env", "files")
	if err != nil {
		return err
	}
	if err := rest.Decode(&t.Template); err != nil {
		return err
	}
	return decodeOwn(own, &t.Env, &t.Files)
}

// MarshalYAML writes the template's keys in core.Template's order, without
// its name (the key of the spec).
func (t TemplateSpec) MarshalYAML() (any, error) {
	base := t.Template
	base.Name, base.Env, base.Files = "", nil, nil
	keys, _ := core.YAMLFields(reflect.TypeFor[core.Template]())
	return joinMapping(keys, []string{"name"}, base, ownNodes(t.Env, t.Files))
}

// UnmarshalYAML reads template and enabled, the overrides into the
// core.Overrides and env and files into the spec's sealable fields.
func (s *InstanceSpec) UnmarshalYAML(n *yaml.Node) error {
	*s = InstanceSpec{}
	own, rest, err := splitMapping(n, "env", "files", "template", "enabled")
	if err != nil {
		return err
	}
	if err := rest.Decode(&s.Overrides); err != nil {
		return err
	}
	if v, ok := own["template"]; ok {
		if err := v.Decode(&s.Template); err != nil {
			return err
		}
	}
	if v, ok := own["enabled"]; ok {
		s.Enabled = new(bool)
		if err := v.Decode(s.Enabled); err != nil {
			return err
		}
	}
	return decodeOwn(own, &s.Env, &s.Files)
}

// instanceKeyOrder is the order devarch.yml has always written an
// instance's keys in; keys it does not list follow in core.Overrides order.
var instanceKeyOrder = []string{"template", "enabled", "image", "tag", "command", "entrypoint", "user", "restart",
	"env", "unset_env", "ports", "volumes", "labels", "healthcheck", "files", "domains", "exports", "keep_exports",
	"imports", "compose"}

// MarshalYAML writes the instance's keys: template, enabled (only when
// false), then its overrides.
func (s InstanceSpec) MarshalYAML() (any, error) {
	base := s.Overrides
	base.Env, base.Files = nil, nil
	own := ownNodes(s.Env, s.Files)
	own["template"] = s.Template
	if s.Enabled != nil {
		own["enabled"] = *s.Enabled
	}
	keys, _ := core.YAMLFields(reflect.TypeFor[core.Overrides]())
	order := slices.Clone(instanceKeyOrder)
	for _, k := range keys {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	return joinMapping(order, nil, base, own)
}

// splitMapping parts mapping n into the values of the keys named (own) and
// a mapping of the other keys (rest), keeping every node's position.
func splitMapping(n *yaml.Node, names ...string) (own map[string]*yaml.Node, rest *yaml.Node, err error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, &core.FieldError{Rule: "must be a mapping"}
	}
	own = map[string]*yaml.Node{}
	rest = &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; slices.Contains(names, k) {
			own[k] = n.Content[i+1]
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	return own, rest, nil
}

func decodeOwn(own map[string]*yaml.Node, env *map[string]Value, files *map[string]*FileSpec) error {
	if v, ok := own["env"]; ok {
		if err := v.Decode(env); err != nil {
			return err
		}
	}
	if v, ok := own["files"]; ok {
		if err := v.Decode(files); err != nil {
			return err
		}
	}
	return nil
}

// ownNodes holds the sealable fields that are set, by key.
func ownNodes(env map[string]Value, files map[string]*FileSpec) map[string]any {
	own := map[string]any{}
	if len(env) > 0 {
		own["env"] = env
	}
	if len(files) > 0 {
		own["files"] = files
	}
	return own
}

// joinMapping encodes base, drops the keys in drop, adds own's values and
// orders the keys by order (keys it lacks keep their place after them).
func joinMapping(order, drop []string, base any, own map[string]any) (*yaml.Node, error) {
	var b yaml.Node
	if err := b.Encode(base); err != nil {
		return nil, err
	}
	vals := map[string]*yaml.Node{}
	var extra []string
	for i := 0; i+1 < len(b.Content); i += 2 {
		k := b.Content[i].Value
		if slices.Contains(drop, k) {
			continue
		}
		vals[k] = b.Content[i+1]
		if !slices.Contains(order, k) {
			extra = append(extra, k)
		}
	}
	for k, v := range own {
		var n yaml.Node
		if err := n.Encode(v); err != nil {
			return nil, err
		}
		vals[k] = &n
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range append(slices.Clone(order), extra...) {
		if v, ok := vals[k]; ok {
			out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
		}
	}
	return out, nil
}
