package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v4"
)

// YAMLProblem is a node of a YAML document that does not fit the Go value
// it decodes into, found by walking the node tree against the value's type:
// a key the target does not have, a value of the wrong kind, or an error
// from a value's own decoder (a short form that does not parse).
type YAMLProblem struct {
	Path string // dotted path of the node: "healthcheck.bogus", "ports[1]"
	Line int

	Key   string   // an unknown key (Path ends with it); Known lists the keys the mapping accepts
	Known []string // in the target's field order

	Found string // a value of the wrong kind: what it is ("a mapping") ...
	Want  string // ... and what the target needs ("a list")

	Err *FieldError // a value's own decoder refused it; Err.Field is Path
}

// Rule describes p in words, for a FieldError at p.Path.
func (p YAMLProblem) Rule() string {
	switch {
	case p.Err != nil:
		return p.Err.Rule
	case p.Key != "":
		return fmt.Sprintf("unknown key %q (want %s)", p.Key, strings.Join(p.Known, ", "))
	}
	return fmt.Sprintf("has the wrong type: found %s, want %s", p.Found, p.Want)
}

// DecodeYAMLNode decodes n into out (a pointer) after checking the node tree
// against out's type: every problem is returned with its path and line and
// nothing is decoded when there is one. Struct fields are matched by their
// yaml tags (",inline" structs included, an outer key hiding an inner one);
// a type with its own UnmarshalYAML checks its short forms itself, and its
// mapping form is checked against its fields. A node naming a tag outside
// YAML's standard ones is a problem too (see YAMLTagProblems).
func DecodeYAMLNode(n *yaml.Node, out any) []YAMLProblem {
	if probs := YAMLTagProblems(n); probs != nil {
		return probs
	}
	var w yamlWalker
	w.walk(n, reflect.TypeOf(out), "")
	if len(w.probs) > 0 {
		return w.probs
	}
	if err := n.Decode(out); err != nil {
		return constructProblems(n, err)
	}
	return nil
}

// CheckYAMLKeys is the key check of DecodeYAMLNode for the mapping form
// of a type that decodes itself: the first unknown key or wrong kind under
// n, as a *FieldError whose Field is relative to n.
func CheckYAMLKeys(n *yaml.Node, t reflect.Type) error {
	var w yamlWalker
	w.fields(n, t, "")
	if len(w.probs) == 0 {
		return nil
	}
	p := w.probs[0]
	return &FieldError{Field: p.Path, Rule: p.Rule(), Line: p.Line}
}

var (
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	yamlNodeType    = reflect.TypeFor[yaml.Node]()
)

type yamlWalker struct{ probs []YAMLProblem }

func (w *yamlWalker) wrong(n *yaml.Node, path, want string) {
	w.probs = append(w.probs, YAMLProblem{Path: orFile(path), Line: n.Line, Found: nodeKind(n), Want: want})
}

func (w *yamlWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			w.walk(c, t, path)
		}
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == yamlNodeType || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && !reflect.PointerTo(t).Implements(yamlUnmarshaler)) {
		return
	}
	if reflect.PointerTo(t).Implements(yamlUnmarshaler) {
		switch {
		case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
			w.fields(n, t, path)
		case n.ShortTag() == "!!null":
			// The decoder leaves null values zero without asking the type;
			// ask it here, so a type that refuses null is heard.
			if err := reflect.New(t).Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
				fe, ok := err.(*FieldError)
				if !ok {
					fe = &FieldError{Rule: err.Error()}
				}
				w.probs = append(w.probs, YAMLProblem{Path: orFile(path), Line: n.Line,
					Err: &FieldError{Field: orFile(path), Rule: fe.Rule, Hint: fe.Hint, Line: n.Line}})
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		w.fields(n, t, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.wrong(n, path, "a mapping")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.walk(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value))
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			w.wrong(n, path, "a list")
			return
		}
		for i, c := range n.Content {
			w.walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			w.wrong(n, path, "a string")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			w.wrong(n, path, "true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			w.wrong(n, path, "a whole number")
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
			w.wrong(n, path, "a number")
		}
	}
}

// fields checks a mapping against the yaml keys of struct t.
func (w *yamlWalker) fields(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		w.wrong(n, path, "a mapping")
		return
	}
	keys, types := YAMLFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := types[k.Value]
		if !ok {
			w.probs = append(w.probs, YAMLProblem{Path: joinPath(path, k.Value), Line: k.Line, Key: k.Value, Known: keys})
			continue
		}
		w.walk(n.Content[i+1], ft, joinPath(path, k.Value))
	}
}

// YAMLFields lists the mapping keys of struct t in field order, with the
// type of each: fields of ",inline" structs count as t's own, and a key t
// declares itself hides the same key of an inlined struct.
func YAMLFields(t reflect.Type) ([]string, map[string]reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	types := map[string]reflect.Type{}
	own := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); f.IsExported() && !strings.Contains(f.Tag.Get("yaml"), ",inline") && name != "-" {
			own[yamlKey(f)] = true
		}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case !f.IsExported() || name == "-":
		case strings.Contains(","+opts+",", ",inline,"):
			ik, it := YAMLFields(f.Type)
			for _, k := range ik {
				if !own[k] {
					keys = append(keys, k)
					types[k] = it[k]
				}
			}
		default:
			k := yamlKey(f)
			keys = append(keys, k)
			types[k] = f.Type
		}
	}
	return keys, types
}

func yamlKey(f reflect.StructField) string {
	if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" {
		return name
	}
	return strings.ToLower(f.Name)
}

// constructProblems turns a decoding error into problems at the paths of
// the nodes it names (by line and column).
func constructProblems(root *yaml.Node, err error) []YAMLProblem {
	var les *yaml.LoadErrors
	if !errors.As(err, &les) {
		return []YAMLProblem{{Path: "file", Err: &FieldError{Field: "file", Rule: err.Error()}}}
	}
	paths := yamlPositions(root)
	var out []YAMLProblem
	for _, ce := range les.Errors {
		path := orFile(paths[[2]int{ce.Line, ce.Column}])
		fe := &FieldError{Field: path, Rule: ce.Err.Error(), Line: ce.Line}
		var inner *FieldError
		if errors.As(ce.Err, &inner) {
			fe.Rule, fe.Hint = inner.Rule, inner.Hint
			if inner.Line > 0 {
				fe.Line = inner.Line
			}
			if inner.Field != "" {
				// Below the value: a key its decoder refused.
				fe.Field = joinPath(paths[[2]int{ce.Line, ce.Column}], inner.Field)
			}
		}
		out = append(out, YAMLProblem{Path: fe.Field, Line: fe.Line, Err: fe})
	}
	return out
}

// yamlPositions maps the line and column of every value node to its path.
func yamlPositions(n *yaml.Node) map[[2]int]string {
	out := map[[2]int]string{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		if _, ok := out[[2]int{n.Line, n.Column}]; !ok {
			out[[2]int{n.Line, n.Column}] = path
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], joinPath(path, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(n, "")
	return out
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return fmt.Sprintf("the string %q", n.Value)
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func orFile(path string) string {
	if path == "" {
		return "file"
	}
	return path
}

// YAMLSyntaxError turns a parse error into a *FieldError on the file with
// the line the parser reports (its Mark), under the rule prefix.
func YAMLSyntaxError(err error, prefix string) *FieldError {
	fe := &FieldError{Field: "file", Rule: prefix + strings.TrimPrefix(err.Error(), "yaml: ")}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return fe
	}
	mark, msg := v.FieldByName("Mark"), v.FieldByName("Message")
	if !mark.IsValid() || mark.Kind() != reflect.Struct || !msg.IsValid() || msg.Kind() != reflect.String {
		return fe
	}
	if line := mark.FieldByName("Line"); line.IsValid() && line.CanInt() && line.Int() > 0 {
		fe.Line, fe.Rule = int(line.Int()), prefix+msg.String()
	}
	return fe
}
