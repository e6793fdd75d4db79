package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeTemplateYAML reads one template from a YAML document. Unknown keys
// are refused. Besides the long forms of the Template type it accepts short
// forms: env values as plain strings ("KEY: value", or {value, secret}),
// ports as "[IP:]H:C[/proto]" strings and volumes as "SRC:TARGET[:ro]"
// strings. The result is not validated; call ValidateTemplate.
func DecodeTemplateYAML(data []byte) (Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc templateYAML
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Template{}, Errf("file", "is empty: want a template mapping with at least name and image")
		}
		var fe *FieldError
		if errors.As(err, &fe) {
			if fe.Line > 0 && strings.HasPrefix(fe.Rule, "unknown key") {
				if p := keyPath(yamlRoot(data), "", fe.Field, fe.Line); p != "" {
					fe.Field = p
				}
			}
			return Template{}, fe
		}
		if fes := typeErrors(data, err); fes != nil {
			return Template{}, fes.Err()
		}
		return Template{}, Errf("file", fmt.Sprintf("invalid template YAML: %v", err))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Template{}, Errf("file", "holds more than one YAML document: want exactly one template")
	}
	t := Template{
		Name: doc.Name, Description: doc.Description, Image: doc.Image,
		Command: doc.Command, Entrypoint: doc.Entrypoint, User: doc.User, Restart: doc.Restart,
		Labels: doc.Labels, Healthcheck: doc.Healthcheck, Files: doc.Files, Domains: doc.Domains,
		Exports: doc.Exports, Imports: doc.Imports,
	}
	if len(doc.Env) > 0 {
		t.Env = make(map[string]EnvVar, len(doc.Env))
		for k, v := range doc.Env {
			t.Env[k] = EnvVar(v)
		}
	}
	for _, p := range doc.Ports {
		t.Ports = append(t.Ports, Port(p))
	}
	for _, v := range doc.Volumes {
		t.Volumes = append(t.Volumes, Volume(v))
	}
	return t, nil
}

// unknownKeyRE matches a yaml.v3 type error for a key the target struct
// lacks: "line 3: field bogus not found in type core.templateYAML".
var unknownKeyRE = regexp.MustCompile(`^line ([0-9]+): field (.+) not found in type \S+$`)

// typeErrorLineRE splits any other yaml.v3 type error: "line 3: ...".
var typeErrorLineRE = regexp.MustCompile(`^line ([0-9]+): (.*)$`)

// typeErrors turns err, when it is a *yaml.TypeError, into FieldErrors:
// an unknown key is named by its path in data ("healthcheck.bogus") and its
// line, instead of by a Go type name; other problems keep yaml's words on
// the file's line. It returns nil for any other error.
func typeErrors(data []byte, err error) FieldErrors {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return nil
	}
	root := yamlRoot(data)
	var out FieldErrors
	for _, msg := range te.Errors {
		if m := unknownKeyRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			field := keyPath(root, "", m[2], line)
			if field == "" {
				field = m[2]
			}
			out = append(out, &FieldError{Field: field, Rule: "unknown key", Line: line})
			continue
		}
		fe := Errf("file", "invalid template YAML: "+msg)
		if m := typeErrorLineRE.FindStringSubmatch(msg); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
			fe.Rule = "invalid template YAML: " + m[2]
		}
		out = append(out, fe)
	}
	return out
}

// yamlRoot parses data as a node tree (empty if it does not parse).
func yamlRoot(data []byte) *yaml.Node {
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	return &root
}

// keyPath returns the dotted path ("exports[0].bogus") of the mapping key
// named key on line line under n, or "".
func keyPath(n *yaml.Node, prefix, key string, line int) string {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := keyPath(c, prefix, key, line); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == key && k.Line == line {
				return join(k.Value)
			}
			if p := keyPath(v, join(k.Value), key, line); p != "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := keyPath(c, fmt.Sprintf("%s[%d]", prefix, i), key, line); p != "" {
				return p
			}
		}
	}
	return ""
}

// knownKeys refuses keys of the mapping n that are not in keys, for the
// long forms custom unmarshalers decode without the decoder's KnownFields.
func knownKeys(n *yaml.Node, keys ...string) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(keys, k.Value) {
			return &FieldError{Field: k.Value, Rule: fmt.Sprintf("unknown key (want %s)", strings.Join(keys, ", ")), Line: k.Line}
		}
	}
	return nil
}

// templateYAML is Template with short forms allowed.
type templateYAML struct {
	Name        string             `yaml:"name"`
	Description string             `yaml:"description"`
	Image       string             `yaml:"image"`
	Command     []string           `yaml:"command"`
	Entrypoint  []string           `yaml:"entrypoint"`
	User        string             `yaml:"user"`
	Restart     string             `yaml:"restart"`
	Env         map[string]yamlEnv `yaml:"env"`
	Ports       []yamlPort         `yaml:"ports"`
	Volumes     []yamlVolume       `yaml:"volumes"`
	Labels      map[string]string  `yaml:"labels"`
	Healthcheck *Healthcheck       `yaml:"healthcheck"`
	Files       []ConfigFile       `yaml:"files"`
	Domains     []string           `yaml:"domains"`
	Exports     []Export           `yaml:"exports"`
	Imports     []Import           `yaml:"imports"`
}

type yamlEnv EnvVar

func (e *yamlEnv) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.Value = n.Value
		return nil
	}
	if err := knownKeys(n, "value", "secret"); err != nil {
		return err
	}
	type plain EnvVar
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	*e = yamlEnv(v)
	return nil
}

type yamlPort Port

func (p *yamlPort) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := ParsePort("ports", n.Value)
		if err != nil {
			fe := err.(*FieldError)
			fe.Line = n.Line
			return fe
		}
		*p = yamlPort(v)
		return nil
	}
	if err := knownKeys(n, "host_ip", "host", "container", "protocol"); err != nil {
		return err
	}
	type plain Port
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	*p = yamlPort(v)
	return nil
}

type yamlVolume Volume

func (p *yamlVolume) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := ParseVolume("volumes", n.Value)
		if err != nil {
			fe := err.(*FieldError)
			fe.Line = n.Line
			return fe
		}
		*p = yamlVolume(v)
		return nil
	}
	if err := knownKeys(n, "source", "target", "read_only"); err != nil {
		return err
	}
	type plain Volume
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	*p = yamlVolume(v)
	return nil
}
