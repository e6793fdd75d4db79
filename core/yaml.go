package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"

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
			return Template{}, fe
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
	type plain Volume
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	*p = yamlVolume(v)
	return nil
}
