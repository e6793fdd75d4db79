package devfile

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// migrateV0 rewrites a version 0 document (the pre-release format) into
// version 1 in place. Version 0 differed in four ways:
//
//   - stack metadata (name, description, environment) sat at the top level;
//   - instances and templates were lists of mappings with a `name` key;
//   - env was a list of "KEY=VALUE" strings;
//   - wires were strings "consumer.import -> provider".
func migrateV0(doc *yaml.Node) error {
	stack := &yaml.Node{Kind: yaml.MappingNode}
	var version, content []*yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "version":
			v.Value, v.Tag = "1", "!!int"
			version = []*yaml.Node{k, v}
		case "name", "description", "environment":
			stack.Content = append(stack.Content, k, v)
		case "instances", "templates":
			m, err := listToMap(k.Value, v)
			if err != nil {
				return err
			}
			content = append(content, k, m)
		case "wires":
			w, err := migrateWires(v)
			if err != nil {
				return err
			}
			content = append(content, k, w)
		default:
			content = append(content, k, v)
		}
	}
	stackKey := &yaml.Node{Kind: yaml.ScalarNode, Value: "stack", Line: doc.Line}
	doc.Content = append(append(version, stackKey, stack), content...)
	return nil
}

func listToMap(field string, seq *yaml.Node) (*yaml.Node, error) {
	if seq.Kind != yaml.SequenceNode {
		return nil, &core.FieldError{Field: field, Line: seq.Line, Rule: "version 0 files list " + field + " as a sequence"}
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Line: seq.Line}
	for i, item := range seq.Content {
		path := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			return nil, &core.FieldError{Field: path, Line: item.Line, Rule: "must be a mapping"}
		}
		var name *yaml.Node
		body := &yaml.Node{Kind: yaml.MappingNode, Line: item.Line}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			switch k.Value {
			case "name":
				name = v
			case "env":
				env, err := envListToMap(path+".env", v)
				if err != nil {
					return nil, err
				}
				body.Content = append(body.Content, k, env)
			default:
				body.Content = append(body.Content, k, v)
			}
		}
		if name == nil || name.Value == "" {
			return nil, &core.FieldError{Field: path + ".name", Line: item.Line, Rule: "is required"}
		}
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name.Value, Line: name.Line}, body)
	}
	return out, nil
}

func envListToMap(path string, seq *yaml.Node) (*yaml.Node, error) {
	if seq.Kind != yaml.SequenceNode {
		return seq, nil
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Line: seq.Line}
	for i, item := range seq.Content {
		k, v, ok := strings.Cut(item.Value, "=")
		if !ok || k == "" {
			return nil, &core.FieldError{Field: fmt.Sprintf("%s[%d]", path, i), Line: item.Line, Rule: "version 0 env entries are KEY=VALUE"}
		}
		out.Content = append(out.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: k, Line: item.Line},
			&yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: "!!str", Line: item.Line})
	}
	return out, nil
}

func migrateWires(seq *yaml.Node) (*yaml.Node, error) {
	if seq.Kind != yaml.SequenceNode {
		return nil, &core.FieldError{Field: "wires", Line: seq.Line, Rule: "must be a list"}
	}
	out := &yaml.Node{Kind: yaml.SequenceNode, Line: seq.Line}
	for i, item := range seq.Content {
		left, provider, ok := strings.Cut(item.Value, "->")
		consumer, imp, ok2 := strings.Cut(strings.TrimSpace(left), ".")
		if item.Kind != yaml.ScalarNode || !ok || !ok2 {
			return nil, &core.FieldError{Field: fmt.Sprintf("wires[%d]", i), Line: item.Line, Rule: "version 0 wires are \"consumer.import -> provider\""}
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Line: item.Line}
		for _, kv := range [][2]string{{"consumer", consumer}, {"import", imp}, {"provider", strings.TrimSpace(provider)}} {
			m.Content = append(m.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: kv[0], Line: item.Line},
				&yaml.Node{Kind: yaml.ScalarNode, Value: strings.TrimSpace(kv[1]), Tag: "!!str", Line: item.Line})
		}
		out.Content = append(out.Content, m)
	}
	return out, nil
}
