package devfile

import (
	"fmt"

	"go.yaml.in/yaml/v4"
)

// MarshalYAML writes a plain value as a scalar and a secret as a mapping.
func (v Value) MarshalYAML() (any, error) {
	if !v.Secret {
		return v.Text, nil
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k, val string, tag string) {
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Value: val, Tag: tag})
	}
	add("secret", "true", "!!bool")
	if v.Sealed != "" {
		add("sealed", v.Sealed, "!!str")
	} else {
		add("value", v.Text, "!!str")
	}
	return n, nil
}

// UnmarshalYAML reads a scalar (numbers and booleans keep their text) or a
// mapping with exactly the keys secret and one of value or sealed.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: value must not be null (use \"\" for empty)", n.Line)}}
		}
		*v = Value{Text: n.Value}
		return nil
	case yaml.MappingNode:
		var m struct {
			Secret bool    `yaml:"secret"`
			Value  *string `yaml:"value"`
			Sealed *string `yaml:"sealed"`
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; k {
			case "secret", "value", "sealed":
			default:
				return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: field %s not allowed in a value (want secret, value or sealed)", n.Content[i].Line, k)}}
			}
		}
		if err := n.Decode(&m); err != nil {
			return err
		}
		if m.Value != nil && m.Sealed != nil {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a value has either value or sealed, not both", n.Line)}}
		}
		if m.Value == nil && m.Sealed == nil {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a value mapping needs value or sealed", n.Line)}}
		}
		*v = Value{Secret: m.Secret}
		if m.Value != nil {
			v.Text = *m.Value
		}
		if m.Sealed != nil {
			v.Sealed = *m.Sealed
			if !m.Secret {
				return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a sealed value must have secret: true", n.Line)}}
			}
		}
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: value must be a string or a {secret, value} mapping", n.Line)}}
}
