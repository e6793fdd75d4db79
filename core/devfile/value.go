package devfile

import (
	"reflect"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// MarshalYAML writes a sealed secret as {secret: true, sealed: ...} and
// anything else as its core.EnvVar.
func (v Value) MarshalYAML() (any, error) {
	if v.Sealed == "" {
		return v.EnvVar.MarshalYAML()
	}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "secret"}, {Kind: yaml.ScalarNode, Value: "true", Tag: "!!bool"},
		{Kind: yaml.ScalarNode, Value: "sealed"}, {Kind: yaml.ScalarNode, Value: v.Sealed, Tag: "!!str"},
	}}, nil
}

// UnmarshalYAML reads a scalar (numbers and booleans keep their text) or a
// mapping with secret and exactly one of value or sealed.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	*v = Value{}
	if n.Kind != yaml.MappingNode {
		return v.EnvVar.UnmarshalYAML(n)
	}
	if err := core.CheckYAMLKeys(n, reflect.TypeFor[Value]()); err != nil {
		return err
	}
	has := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i].Value, n.Content[i+1]
		has[k] = true
		var err error
		switch k {
		case "value":
			err = val.Decode(&v.Value)
		case "secret":
			err = val.Decode(&v.Secret)
		case "sealed":
			err = val.Decode(&v.Sealed)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case has["value"] && has["sealed"]:
		return &core.FieldError{Rule: "a value has either value or sealed, not both"}
	case !has["value"] && !has["sealed"]:
		return &core.FieldError{Rule: "a value mapping needs value or sealed"}
	case has["sealed"] && !v.Secret:
		return &core.FieldError{Rule: "a sealed value must have secret: true"}
	}
	return nil
}
