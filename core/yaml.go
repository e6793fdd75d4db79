package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v4"
)

// DecodeTemplateYAML reads one template from a YAML document. Unknown keys
// are refused with their path and line. Ports, volumes and env values may be
// written in their short forms (see Port, Volume, EnvVar). The result is not
// validated; call ValidateTemplate.
func DecodeTemplateYAML(data []byte) (Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return Template{}, Errf("file", "is empty: want a template mapping with at least name and image")
		}
		return Template{}, YAMLSyntaxError(err, "invalid template YAML: ")
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Template{}, Errf("file", "holds more than one YAML document: want exactly one template")
	}
	var t Template
	var fes FieldErrors
	for _, p := range DecodeYAMLNode(&root, &t) {
		fe := &FieldError{Field: p.Path, Rule: p.Rule(), Line: p.Line}
		switch {
		case p.Key != "":
		case p.Err != nil:
			fe.Hint = p.Err.Hint
		default:
			// A value of the wrong kind is a problem of the file's shape.
			fe.Field, fe.Rule = "file", fmt.Sprintf("invalid template YAML: %s %s", p.Path, p.Rule())
		}
		fes = append(fes, fe)
	}
	if fes != nil {
		return Template{}, fes.Err()
	}
	return t, nil
}
