package daemon

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// wiringGuard keeps an edit from silently breaking wiring that works: it
// remembers a stack's wires before the edit, and check compares them with
// the wiring the edit leaves (core.WiringBreaks). An edit that leaves an
// import that had a provider without one a plan accepts (a required import
// without a provider, an ambiguous import, a stale provider) is refused with
// those wiring errors, whether the import was wired explicitly or
// automatically, because a stored stack that cannot plan is worse than a
// refused edit. An optional import that only loses its provider is a
// warning the edit's answer carries, like a provider change.
type wiringGuard struct {
	before []core.ResolvedWire
}

// guardWiring takes st's wiring before an edit.
func guardWiring(st core.Stack, tpls map[string]core.Template) wiringGuard {
	d, _ := core.Build(st, tpls) // a stack that does not build has no wires to keep
	return wiringGuard{before: d.Wires}
}

// check validates st as the edit leaves it (so a field rule is reported
// before wiring), then its wiring against the guard's. what names the edit,
// as in "removing instance db"; hint says how to make the edit possible.
// It returns the warnings to show.
func (g wiringGuard) check(st *core.Stack, tpls map[string]core.Template, what, hint string) ([]core.Diagnostic, error) {
	sortStack(st)
	if err := core.ValidateStack(*st, tpls); err != nil {
		return nil, err
	}
	errs, warns := core.WiringBreaks(g.before, *st, tpls)
	if len(errs) > 0 {
		return nil, wiringBreakError(what, []string{st.Name}, hint, errs)
	}
	return warns, nil
}

// wiringBreakError refuses an edit that breaks the wiring of stacks.
func wiringBreakError(what string, stacks []string, hint string, diags []core.Diagnostic) error {
	of := "stack " + stacks[0]
	if len(stacks) > 1 {
		of = "stacks " + strings.Join(stacks, ", ")
	}
	return &apiError{Code: api.CodeConflict, Hint: hint, Diags: diags,
		Msg: fmt.Sprintf("%s would break the wiring of %s", what, of)}
}

// guardTemplateUsers takes, before template name is replaced, the wiring
// of every stack with an instance of it, by stack name.
func (s *Server) guardTemplateUsers(tx *store.Tx, name string) (map[string]wiringGuard, error) {
	stacks, err := tx.ListStacks()
	if err != nil {
		return nil, err
	}
	tpls, err := s.templates(tx)
	if err != nil {
		return nil, err
	}
	out := map[string]wiringGuard{}
	for _, st := range stacks {
		if len(instancesUsing(st, name)) > 0 {
			out[st.Name] = guardWiring(st, tpls)
		}
	}
	return out, nil
}

// checkTemplateUsers compares, once template name is replaced in tx, the
// wiring of the stacks in guards with what it was (see wiringGuard). The
// diagnostics name the stack and the instance: "stack shop, instance api:
// ...". It returns the warnings to show.
func (s *Server) checkTemplateUsers(tx *store.Tx, name string, guards map[string]wiringGuard) ([]core.Diagnostic, error) {
	tpls, err := s.templates(tx)
	if err != nil {
		return nil, err
	}
	var errs, warns []core.Diagnostic
	var broken []string
	for _, stack := range slices.Sorted(maps.Keys(guards)) {
		st, err := getStack(tx, stack)
		if err != nil {
			return nil, err
		}
		e, w := core.WiringBreaks(guards[stack].before, st, tpls)
		if len(e) > 0 {
			broken = append(broken, stack)
		}
		errs = append(errs, inStack(stack, e)...)
		warns = append(warns, inStack(stack, w)...)
	}
	if len(errs) > 0 {
		return nil, wiringBreakError("replacing template "+name, broken,
			"keep the exports those imports use, or first wire them to another provider or export (devarch wire STACK CONSUMER.IMPORT PROVIDER[.EXPORT])", errs)
	}
	return warns, nil
}

// inStack moves the instance of each diagnostic into its message, after
// the stack's name.
func inStack(stack string, ds []core.Diagnostic) []core.Diagnostic {
	out := make([]core.Diagnostic, len(ds))
	for i, d := range ds {
		where := "stack " + stack
		if d.Instance != "" {
			where += ", instance " + d.Instance
		}
		d.Message, d.Instance = where+": "+d.Message, ""
		out[i] = d
	}
	return out
}

// wireFirstHint is the hint of an edit refused because it adds a provider
// that makes imports ambiguous.
const wireFirstHint = "wire those imports explicitly first (each command above keeps its current provider), then try again"

// provideFirstHint is the hint of an edit refused because it takes away
// the provider of imports (removing or disabling it).
func provideFirstHint(stack string) string {
	return fmt.Sprintf("give those imports another provider first (devarch wire %s CONSUMER.IMPORT PROVIDER[.EXPORT]), or remove or disable their consumers", stack)
}

// refuse is check for an edit that adds an instance: adding a provider can
// make an import ambiguous (an error) but cannot cost an import its
// provider, so such an edit has no warnings to show.
func (g wiringGuard) refuse(st *core.Stack, tpls map[string]core.Template, what, hint string) error {
	_, err := g.check(st, tpls, what, hint)
	return err
}

// droppedWires notes each explicit wire to provider, which goes when the
// provider is removed.
func droppedWires(wires []core.Wire, provider string) []core.Diagnostic {
	var out []core.Diagnostic
	for _, w := range wires {
		if w.Provider == provider {
			out = append(out, core.Diagnostic{Severity: core.SeverityWarning, Instance: w.Consumer,
				Message: fmt.Sprintf("explicit wire %s.%s -> %s is removed with instance %s",
					w.Consumer, w.Import, core.ProviderRef(w.Provider, w.Export), provider)})
		}
	}
	return out
}
