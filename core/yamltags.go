package core

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"
)

// standardYAMLTags are the tags of YAML's own schemas and the
// non-specific "!": devarch reads plain data, so a document naming any
// other tag (!!python/object:..., !custom) is refused rather than read as if
// the tag were not there.
var standardYAMLTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!map": true, "!!seq": true, "!!binary": true, "!!timestamp": true, "!!merge": true,
	"!": true,
}

// YAMLTagProblems lists every node under n, keys included, that names a
// tag outside YAML's standard ones, with its path and line. The tag is
// quoted, shortened: it is the document's markup, never a value.
func YAMLTagProblems(n *yaml.Node) []YAMLProblem {
	var out []YAMLProblem
	var walk func(n *yaml.Node, path string)
	check := func(n *yaml.Node, path string) {
		if n.Tag == "" || n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
			return
		}
		if tag := n.ShortTag(); !standardYAMLTags[tag] {
			fe := &FieldError{Field: orFile(path), Line: n.Line,
				Rule: fmt.Sprintf("uses the YAML tag %q; only YAML's standard tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) are allowed", shorten(tag, 40))}
			out = append(out, YAMLProblem{Path: fe.Field, Line: n.Line, Err: fe})
		}
	}
	walk = func(n *yaml.Node, path string) {
		check(n, path)
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := joinPath(path, k.Value)
				check(k, p)
				walk(n.Content[i+1], p)
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

// YAMLTagError is the first of YAMLTagProblems(n) as a *FieldError on
// field (the problem's path below it), or nil.
func YAMLTagError(field string, n *yaml.Node) *FieldError {
	probs := YAMLTagProblems(n)
	if len(probs) == 0 {
		return nil
	}
	fe := *probs[0].Err
	if probs[0].Path != "file" {
		fe.Field = joinPath(field, probs[0].Path)
	} else {
		fe.Field = field
	}
	return &fe
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// fragmentTagError is YAMLTagError for a compose fragment held in field:
// the line is the fragment's own, said in the rule rather than taken for
// a line of the file holding it.
func fragmentTagError(field string, doc *yaml.Node) *FieldError {
	fe := YAMLTagError(field, doc)
	if fe == nil {
		return nil
	}
	if fe.Line > 0 {
		fe.Rule = fmt.Sprintf("%s (line %d of the fragment)", fe.Rule, fe.Line)
		fe.Line = 0
	}
	return fe
}

// FragmentTagError checks a raw compose fragment's tags (see
// YAMLTagProblems); a fragment that does not parse is left to the caller.
func FragmentTagError(field, frag string) *FieldError {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(frag), &doc); err != nil {
		return nil
	}
	return fragmentTagError(field, &doc)
}
