package devfile

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
)

// composeLines indexes the compose file's YAML paths by line, for errors;
// a file that does not parse gets an empty index (the loader reports it).
func composeLines(data []byte) *lineIndex {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return &lineIndex{byPath: map[string]int{}, byLine: map[int]string{}}
	}
	idx := indexLines(root.Content[0])
	idx.root = root.Content[0]
	return idx
}

// varUse returns the path of the first value of the compose file that
// interpolates variable (${NAME...} or $NAME), or "".
func (idx *lineIndex) varUse(variable string) string {
	if idx.root == nil {
		return ""
	}
	uses := func(s string) bool {
		for _, form := range []string{"${" + variable + "}", "${" + variable + ":", "${" + variable + "?", "${" + variable + "-", "${" + variable + "+"} {
			if strings.Contains(s, form) {
				return true
			}
		}
		i := strings.Index(s, "$"+variable)
		end := i + 1 + len(variable)
		return i >= 0 && (end == len(s) || !isVarChar(s[end]))
	}
	var walk func(n *yaml.Node, path string) string
	walk = func(n *yaml.Node, path string) string {
		switch n.Kind {
		case yaml.ScalarNode:
			if uses(n.Value) {
				return path
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if p := walk(n.Content[i+1], joinKey(path, n.Content[i].Value)); p != "" {
					return p
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if p := walk(c, fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return walk(idx.root, "")
}

func isVarChar(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// composeLoadError turns a loader error into field errors: a required
// variable that is missing names the variable and where the file uses it.
func composeLoadError(err error, filename string, lines *lineIndex, unset []string) error {
	var fes core.FieldErrors
	for _, e := range leafErrors(err) {
		var mr *template.MissingRequiredError
		if !errors.As(e, &mr) {
			continue
		}
		field := lines.varUse(mr.Variable)
		if field == "" {
			field = "file"
		}
		rule := fmt.Sprintf("required variable %s is missing a value", mr.Variable)
		if mr.Reason != "" {
			rule += ": " + mr.Reason
		}
		fes = append(fes, &core.FieldError{Field: field, Line: lines.line(field), Rule: rule,
			Hint: fmt.Sprintf("export %s, or set it in the .env file next to the compose file", mr.Variable)})
	}
	if len(fes) > 0 {
		return fes.Err()
	}
	rule := "not a valid compose file: " + loaderMessage(err.Error(), filename)
	// compose's error shows the spec after interpolation; name the unset
	// variables (compose warns about each) that made it so.
	var names []string
	for _, name := range unset {
		field := lines.varUse(name)
		if field == "" || strings.Contains(err.Error(), field) || strings.Contains(field, ".volumes") || strings.Contains(field, ".ports") {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		rule += fmt.Sprintf(" (the %s variable is not set, so it was replaced by an empty string)", strings.Join(names, ", "))
	}
	return core.Errf("file", rule)
}

// otherFileRE finds a loader message about a file the compose file names
// (include, extends file): "validating /path/x.yml: ...".
var otherFileRE = regexp.MustCompile(`^validating (\S.*?):\s`)

// quotedValueRE is a value the YAML decoder quotes in its messages.
var quotedValueRE = regexp.MustCompile("`[^`]*`")

// loaderMessage keeps what a loader message says about the file, never
// what a file holds: a message about another file (one the compose file
// includes or extends, which may be any file the user can read, such as
// /etc/shadow, whose lines the schema check would quote as keys) names
// only that file, and values the YAML decoder quotes are left out.
// filename is the compose file itself, whose messages are kept.
func loaderMessage(msg, filename string) string {
	if m := otherFileRE.FindStringSubmatch(msg); m != nil && m[1] != filename {
		return fmt.Sprintf("%s, named by include or extends, is not a valid compose file (its content is not shown)", m[1])
	}
	return quotedValueRE.ReplaceAllString(msg, "`…`")
}

// leafErrors flattens joined errors.
func leafErrors(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			var out []error
			for _, x := range j.Unwrap() {
				out = append(out, leafErrors(x)...)
			}
			return out
		}
	}
	return []error{err}
}

// validate checks the new templates and the stack as the daemon will, and
// reports problems at the compose path and line they come from.
func (c *composeConverter) validate() {
	tpls := maps.Clone(c.builtins)
	for _, t := range c.created {
		c.addCore(core.ValidateTemplate(*t))
		tpls[t.Name] = *t
	}
	if len(c.errs) == 0 {
		c.addCore(core.ValidateStack(c.out.Stack, tpls))
	}
	if len(c.errs) == 0 {
		c.addCore(compose.ValidateFragments(c.out.Stack))
	}
}

func (c *composeConverter) addCore(err error) {
	if err == nil {
		return
	}
	fes := core.AsFieldErrors(err)
	if fes == nil {
		c.fail("file", err.Error(), "")
		return
	}
	for _, fe := range fes {
		field, rule := c.composePath(fe.Field, fe.Rule)
		c.errs = append(c.errs, &core.FieldError{Field: field, Line: c.lines.line(field), Rule: rule, Hint: fe.Hint})
	}
}

var fieldIndexRE = regexp.MustCompile(`^\.(ports|volumes)\[(\d+)\](.*)$`)

// composePath maps a devarch path (instances.web.ports[0],
// templates.shop-web.env.X) to the compose path it comes from
// (services.web.ports[0], services.web.environment.X); a value the compose
// file does not hold (a built-in template's) is reported at the service.
func (c *composeConverter) composePath(field, rule string) (string, string) {
	rule = strings.ReplaceAll(rule, "by instance ", "by service ")
	var svc, rest string
	switch {
	case strings.HasPrefix(field, "instances."):
		r := strings.TrimPrefix(field, "instances.")
		i := strings.IndexAny(r, ".[")
		if i < 0 {
			i = len(r)
		}
		svc, rest = r[:i], r[i:]
	case strings.HasPrefix(field, "templates."):
		r := strings.TrimPrefix(field, "templates.")
		i := strings.IndexAny(r, ".[")
		if i < 0 {
			i = len(r)
		}
		s, ok := c.svcOfTpl[r[:i]]
		if !ok {
			return field, rule
		}
		svc, rest = s, r[i:]
	case strings.HasPrefix(field, "wires["):
		var i int
		if _, err := fmt.Sscanf(field, "wires[%d]", &i); err == nil && i < len(c.out.Stack.Wires) {
			w := c.out.Stack.Wires[i]
			return "services." + w.Consumer + ".depends_on." + w.Provider, rule
		}
		return field, rule
	default:
		return field, rule
	}
	base := "services." + svc
	out := base + rest
	switch {
	case fieldIndexRE.MatchString(rest):
		m := fieldIndexRE.FindStringSubmatch(rest)
		n, _ := strconv.Atoi(m[2])
		if m[1] == "volumes" {
			if idx := c.volIdx[svc]; n < len(idx) {
				n = idx[n]
			}
		}
		out = fmt.Sprintf("%s.%s[%d]%s", base, m[1], n, m[3])
	case strings.HasPrefix(rest, ".env"):
		out = base + ".environment" + strings.TrimPrefix(rest, ".env")
	case rest == ".compose":
		out = base
		rule = "a setting carried over in the instance's compose fragment: " + rule
	case rest == ".template" || rest == ".tag" || rest == ".image":
		out = base + ".image"
	case strings.HasPrefix(rest, ".imports"):
		out = base + ".depends_on"
	}
	if _, ok := c.lines.byPath[out]; !ok && out != base {
		// Not in the file: the value comes from the template.
		if t := c.tpl[svc]; t != nil && t.Builtin {
			rule = fmt.Sprintf("%s of the built-in template %s: %s", strings.TrimPrefix(rest, "."), t.Name, rule)
			return base, rule
		}
	}
	return out, rule
}
