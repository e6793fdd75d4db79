package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// Export env templates speak a bounded subset of text/template (README.md,
// "Limits"): field access on .Host, .Port, .Instance, .Stack and .Env.KEY,
// variables, if/with/else, and the functions in ExportEnvFuncs. Without
// range, template, define and block there is no loop and no recursion, so
// rendering takes at most one step per node of the parsed tree; the node
// count, the output and the rendering time are capped on top of that.
const (
	// MaxExportEnvNodes is the most nodes (text, actions, fields,
	// arguments) an export env template may parse into.
	MaxExportEnvNodes = 256
	// MaxExportEnvOutput is the most bytes one export env value renders to.
	MaxExportEnvOutput = MaxEnvValue
	// ExportEnvTimeout bounds the time one export env value takes to render.
	ExportEnvTimeout = time.Second
)

// ExportEnvFuncs are the functions export env templates may call, sorted.
var ExportEnvFuncs = []string{"and", "eq", "index", "ne", "not", "or"}

// exportEnvLanguage names what an export env template may use, for errors.
var exportEnvLanguage = "{{.Host}}, {{.Port}}, {{.Instance}}, {{.Stack}}, {{.Env.KEY}}, variables, if/with/else and the functions " +
	strings.Join(ExportEnvFuncs, ", ")

// exportTemplate is one parsed export env template, or why it is refused.
type exportTemplate struct {
	tpl *template.Template
	err error
}

// exportCache holds parsed export env templates by their text: a stack's
// templates are rendered by every plan, config and apply, and validated on
// every write, so each distinct text is parsed once. It is cleared when it
// reaches maxExportCache entries, which bounds its memory.
var exportCache = struct {
	sync.Mutex
	m map[string]*exportTemplate
}{m: map[string]*exportTemplate{}}

const maxExportCache = 4096

// parseExportEnv returns text parsed as an export env template, or an error
// saying which rule it breaks. Results, errors included, are cached.
func parseExportEnv(text string) (*template.Template, error) {
	exportCache.Lock()
	e, ok := exportCache.m[text]
	exportCache.Unlock()
	if ok {
		return e.tpl, e.err
	}
	e = &exportTemplate{}
	e.tpl, e.err = parseExportEnvUncached(text)
	if e.err != nil {
		e.tpl = nil
	}
	exportCache.Lock()
	if len(exportCache.m) >= maxExportCache {
		clear(exportCache.m)
	}
	exportCache.m[text] = e
	exportCache.Unlock()
	return e.tpl, e.err
}

// languageError is an export env template that parses but breaks a rule of
// the bounded language or its size bounds.
type languageError struct{ rule string }

func (e *languageError) Error() string { return e.rule }

func refuse(format string, args ...any) error { return &languageError{fmt.Sprintf(format, args...)} }

func parseExportEnvUncached(text string) (*template.Template, error) {
	if len(text) > MaxEnvValue {
		return nil, refuse("is %d bytes; the limit is %s", len(text), sizeString(MaxEnvValue))
	}
	tpl, err := template.New("export env").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	if len(tpl.Templates()) > 1 {
		return nil, refuse("define and block are not allowed; it may use %s", exportEnvLanguage)
	}
	w := &exportWalker{}
	w.node(tpl.Tree.Root)
	if w.err != nil {
		return nil, refuse("%v; it may use %s", w.err, exportEnvLanguage)
	}
	if w.nodes > MaxExportEnvNodes {
		return nil, refuse("has %d template nodes; the limit is %d", w.nodes, MaxExportEnvNodes)
	}
	return tpl, nil
}

// exportWalker checks a parse tree against the bounded language and counts
// its nodes.
type exportWalker struct {
	nodes int
	err   error
}

func (w *exportWalker) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
	}
}

func (w *exportWalker) node(n parse.Node) {
	if w.err != nil || n == nil {
		return
	}
	w.nodes++
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c)
		}
	case *parse.TextNode, *parse.CommentNode, *parse.FieldNode, *parse.VariableNode, *parse.DotNode,
		*parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
	case *parse.ActionNode:
		w.node(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			w.node(c)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			w.node(a)
		}
	case *parse.ChainNode:
		w.node(n.Node)
	case *parse.IdentifierNode:
		if !slices.Contains(ExportEnvFuncs, n.Ident) {
			w.fail("function %q is not allowed", n.Ident)
		}
	case *parse.IfNode:
		w.branch(&n.BranchNode)
	case *parse.WithNode:
		w.branch(&n.BranchNode)
	case *parse.RangeNode:
		w.fail("range is not allowed")
	case *parse.TemplateNode:
		w.fail("template is not allowed")
	case *parse.BreakNode, *parse.ContinueNode:
		w.fail("break and continue are not allowed")
	default:
		w.fail("%s is not allowed", n.String())
	}
}

func (w *exportWalker) branch(b *parse.BranchNode) {
	w.node(b.Pipe)
	w.node(b.List)
	w.node(b.ElseList)
}

// errExportOutput and errExportTime stop a rendering that breaks a bound.
var (
	errExportOutput = fmt.Errorf("renders to more than %s, the limit for one value", sizeString(MaxExportEnvOutput))
	errExportTime   = fmt.Errorf("takes more than %s to render", ExportEnvTimeout)
)

// boundedWriter collects a rendering and fails the write that would take it
// over MaxExportEnvOutput bytes or past its deadline; text/template stops
// executing at the first failed write.
type boundedWriter struct {
	b        strings.Builder
	deadline time.Time
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxExportEnvOutput {
		return 0, errExportOutput
	}
	if time.Now().After(w.deadline) {
		return 0, errExportTime
	}
	return w.b.Write(p)
}

// executeExportEnv renders tpl over data within the output and time bounds.
func executeExportEnv(tpl *template.Template, data ExportData) (string, error) {
	w := &boundedWriter{deadline: time.Now().Add(ExportEnvTimeout)}
	if err := tpl.Execute(w, data); err != nil {
		switch {
		case errors.Is(err, errExportOutput):
			return "", errExportOutput
		case errors.Is(err, errExportTime):
			return "", errExportTime
		}
		return "", err
	}
	return w.b.String(), nil
}

// exportEnvProblem parses and renders one export env template; it returns
// the rule the template breaks, or "".
func exportEnvProblem(text string, data ExportData) string {
	tpl, err := parseExportEnv(text)
	var le *languageError
	switch {
	case errors.As(err, &le):
		return "is not allowed as a template: " + le.rule
	case err != nil:
		return fmt.Sprintf("is not a valid template (%s): %v", exportEnvLanguage, err)
	}
	if _, err := executeExportEnv(tpl, data); err != nil {
		if errors.Is(err, errExportOutput) || errors.Is(err, errExportTime) {
			return err.Error()
		}
		return fmt.Sprintf("does not render: %v (it may use .Host, .Port, .Instance, .Stack and .Env.KEY for keys the service's env defines)", err)
	}
	return ""
}
