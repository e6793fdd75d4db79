package core

import (
	"bytes"
	"encoding/json"
	"reflect"

	"go.yaml.in/yaml/v4"
)

// Port, Volume and EnvVar read their short forms ("127.0.0.1:5433:5432/tcp",
// "./data:/data:ro", KEY: value) as well as their mappings, in YAML and in
// JSON. JSON is always written in the long form (stored records keep their
// encoding); YAML is written in the short form when it reads back equal.

type (
	plainPort   Port
	plainVolume Volume
	plainEnvVar EnvVar
)

const (
	portForms   = `must be a port like "8080" or "127.0.0.1:5433:5432/tcp", or a mapping with container, host, host_ip and protocol`
	volumeForms = `must be a volume like "data:/data:ro", or a mapping with source, target and read_only`
	envForms    = `must be a string, or a mapping with value and secret`
)

// shortRule is the rule of a short-form parse error, without its field.
func shortRule(err error) *FieldError {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Rule: fe.Rule, Hint: fe.Hint}
	}
	return &FieldError{Rule: err.Error()}
}

// UnmarshalYAML reads "[IP:]HOST:CONTAINER[/proto]" or the mapping form.
func (p *Port) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null":
		v, err := ParsePort("", n.Value)
		if err != nil {
			return shortRule(err)
		}
		*p = v
		return nil
	case n.Kind == yaml.MappingNode:
		if err := CheckYAMLKeys(n, reflect.TypeFor[Port]()); err != nil {
			return err
		}
		return n.Decode((*plainPort)(p))
	}
	return &FieldError{Rule: portForms}
}

// MarshalYAML writes the short form.
func (p Port) MarshalYAML() (any, error) {
	s := FormatPort(p)
	if back, err := ParsePort("", s); err == nil && back == p {
		return s, nil
	}
	return plainPort(p), nil
}

// UnmarshalJSON reads "[IP:]HOST:CONTAINER[/proto]", a container port
// number or the object form.
func (p *Port) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && (b[0] == '"' || (b[0] >= '0' && b[0] <= '9')) {
		var s string
		if b[0] == '"' {
			if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
		} else {
			s = string(b)
		}
		v, err := ParsePort("port", s)
		if err != nil {
			return err
		}
		*p = v
		return nil
	}
	if len(b) > 0 && b[0] != '{' && string(b) != "null" {
		return Errf("port", portForms)
	}
	return json.Unmarshal(b, (*plainPort)(p))
}

// UnmarshalYAML reads "SOURCE:TARGET[:ro|:rw]" or the mapping form.
func (v *Volume) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null":
		out, err := ParseVolume("", n.Value)
		if err != nil {
			return shortRule(err)
		}
		*v = out
		return nil
	case n.Kind == yaml.MappingNode:
		if err := CheckYAMLKeys(n, reflect.TypeFor[Volume]()); err != nil {
			return err
		}
		return n.Decode((*plainVolume)(v))
	}
	return &FieldError{Rule: volumeForms}
}

// MarshalYAML writes the short form.
func (v Volume) MarshalYAML() (any, error) {
	s := FormatVolume(v)
	if back, err := ParseVolume("", s); err == nil && back == v {
		return s, nil
	}
	return plainVolume(v), nil
}

// UnmarshalJSON reads "SOURCE:TARGET[:ro|:rw]" or the object form.
func (v *Volume) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		out, err := ParseVolume("volume", s)
		if err != nil {
			return err
		}
		*v = out
		return nil
	}
	if len(b) > 0 && b[0] != '{' && string(b) != "null" {
		return Errf("volume", volumeForms)
	}
	return json.Unmarshal(b, (*plainVolume)(v))
}

// UnmarshalYAML reads a plain value (numbers and booleans keep their text)
// or the mapping {value, secret}. null is refused: it is not a string.
func (e *EnvVar) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return &FieldError{Rule: `value must not be null (use "" for an empty value)`}
	case n.Kind == yaml.ScalarNode:
		*e = EnvVar{Value: n.Value}
		return nil
	case n.Kind == yaml.MappingNode:
		if err := CheckYAMLKeys(n, reflect.TypeFor[EnvVar]()); err != nil {
			return err
		}
		*e = EnvVar{}
		return n.Decode((*plainEnvVar)(e))
	}
	return &FieldError{Rule: envForms}
}

// MarshalYAML writes a plain value as a string and a secret as the mapping
// {secret: true, value: ...}.
func (e EnvVar) MarshalYAML() (any, error) {
	if !e.Secret {
		return e.Value, nil
	}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "secret"}, {Kind: yaml.ScalarNode, Value: "true", Tag: "!!bool"},
		{Kind: yaml.ScalarNode, Value: "value"}, {Kind: yaml.ScalarNode, Value: e.Value, Tag: "!!str"},
	}}, nil
}

// UnmarshalJSON reads a plain string value or the object {value, secret}.
func (e *EnvVar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*e = EnvVar{}
		return json.Unmarshal(b, &e.Value)
	}
	if len(b) > 0 && b[0] != '{' && string(b) != "null" {
		return Errf("env", envForms) // never quote: the value may be a secret
	}
	return json.Unmarshal(b, (*plainEnvVar)(e))
}
