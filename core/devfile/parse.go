package devfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// ParseOptions control Parse.
type ParseOptions struct {
	// Passphrase opens sealed secrets.
	Passphrase string
	// SetSecrets gives values for redacted secrets, keyed by their path
	// ("instances.api.env.TOKEN", or short "api.TOKEN" for instance env).
	SetSecrets map[string]string
	// Templates are the templates already known (built-in and user); file
	// templates are added to them for validation. A redacted secret of a
	// file template takes its value from the user template of that name,
	// when it exists and holds that secret.
	Templates map[string]core.Template
	// StackName, when set, renames the imported stack.
	StackName string
	// Dir is the file's directory: relative build contexts are resolved
	// against it. A file with a relative context and no Dir is refused.
	Dir string
}

// Result is a parsed, fully validated devarch.yml.
type Result struct {
	Stack       core.Stack
	Templates   []core.Template // the file's user templates, sorted by name
	FromVersion int             // the version the file was written in (migrated when < Version)
}

// Parse reads and validates a whole devarch.yml before anything may be
// written. Every error is a core.FieldError carrying the YAML path and line.
func Parse(data []byte, opt ParseOptions) (*Result, error) {
	if len(data) > MaxSize {
		return nil, core.Errf("file", fmt.Sprintf("is %d bytes; the limit is %d bytes (1 MiB)", len(data), MaxSize))
	}
	doc, err := parseNode(data)
	if err != nil {
		return nil, err
	}
	version, err := readVersion(doc)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		if err := migrateV0(doc); err != nil {
			return nil, err
		}
		if data, err = yaml.Marshal(doc); err != nil {
			return nil, fmt.Errorf("re-encode migrated file: %w", err)
		}
		if doc, err = parseNode(data); err != nil {
			return nil, err
		}
	}
	idx := indexLines(doc)

	var f File
	if probs := core.DecodeYAMLNode(doc, &f); probs != nil {
		return nil, decodeProblems(probs)
	}
	c := converter{opt: opt, idx: idx, file: &f}
	res := c.convert()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	res.FromVersion = version
	return res, nil
}

// parseNode parses data into its document node, refusing what devarch.yml
// never needs and a hostile file could abuse: anchors, aliases and merge keys
// (the "billion laughs" expansion), deep nesting, several documents.
func parseNode(data []byte) (*yaml.Node, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, core.Errf("file", "is empty; a devarch.yml starts with `version: 1`")
		}
		return nil, yamlSyntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &core.FieldError{Field: "file", Line: extra.Line, Rule: "holds more than one YAML document"}
	}
	if err := checkNode(&root, 0); err != nil {
		return nil, err
	}
	if probs := core.YAMLTagProblems(&root); len(probs) > 0 {
		return nil, probs[0].Err
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &core.FieldError{Field: "file", Line: root.Line, Rule: "must be a mapping that starts with `version: 1`"}
	}
	return root.Content[0], nil
}

func yamlSyntaxError(err error) error { return core.YAMLSyntaxError(err, "invalid YAML: ") }

const maxDepth = 64

func checkNode(n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return &core.FieldError{Field: "file", Line: n.Line, Rule: fmt.Sprintf("nests deeper than %d levels", maxDepth)}
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return &core.FieldError{Field: "file", Line: n.Line, Rule: "YAML anchors and aliases are not allowed in devarch.yml"}
	}
	if n.Tag == "!!merge" {
		return &core.FieldError{Field: "file", Line: n.Line, Rule: "YAML merge keys (<<) are not allowed in devarch.yml"}
	}
	for _, c := range n.Content {
		if err := checkNode(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func readVersion(doc *yaml.Node) (int, error) {
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value != "version" {
			continue
		}
		n, err := strconv.Atoi(v.Value)
		if err != nil || v.Kind != yaml.ScalarNode {
			return 0, &core.FieldError{Field: "version", Line: v.Line, Rule: fmt.Sprintf("must be a whole number; supported versions are %s", supported())}
		}
		if n > Version {
			return 0, &core.FieldError{Field: "version", Line: v.Line,
				Rule: fmt.Sprintf("unsupported version %d: this devarch reads versions %s", n, supported()),
				Hint: "the file was written by a newer devarch; upgrade devarch to import it"}
		}
		if !slices.Contains(SupportedVersions, n) {
			return 0, &core.FieldError{Field: "version", Line: v.Line, Rule: fmt.Sprintf("unsupported version %d: this devarch reads versions %s", n, supported())}
		}
		return n, nil
	}
	return 0, &core.FieldError{Field: "version", Line: doc.Line, Rule: "is required", Hint: "add `version: 1` as the first line"}
}

func supported() string {
	s := make([]string, len(SupportedVersions))
	for i, v := range SupportedVersions {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}

// lineIndex maps YAML paths ("instances.api.ports[1]") to lines, and lines
// back to the deepest path that starts there.
type lineIndex struct {
	byPath map[string]int
	byLine map[int]string
	root   *yaml.Node // the document's mapping, when kept (compose files)
}

func indexLines(doc *yaml.Node) *lineIndex {
	idx := &lineIndex{byPath: map[string]int{}, byLine: map[int]string{}}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				idx.byPath[p] = k.Line
				idx.byLine[k.Line] = p
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				idx.byPath[p] = c.Line
				if _, ok := idx.byLine[c.Line]; !ok || c.Kind == yaml.ScalarNode {
					idx.byLine[c.Line] = p
				}
				walk(c, p)
			}
		}
	}
	walk(doc, "")
	return idx
}

// line returns the line of path or, failing that, of its nearest parent.
func (idx *lineIndex) line(path string) int {
	for p := path; p != ""; {
		if l, ok := idx.byPath[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// decodeProblems words the problems the node tree has against File.
func decodeProblems(probs []core.YAMLProblem) error {
	var out core.FieldErrors
	for _, p := range probs {
		fe := &core.FieldError{Field: p.Path, Line: p.Line, Rule: p.Rule()}
		switch {
		case p.Key != "":
			fe.Rule = fmt.Sprintf("unknown field %q (want %s)", p.Key, strings.Join(p.Known, ", "))
		case p.Err != nil:
			fe.Hint = p.Err.Hint
		}
		out = append(out, fe)
	}
	return out.Err()
}

// keys returns the sorted keys of a map.
func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
