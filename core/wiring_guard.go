package core

import (
	"fmt"
	"slices"
	"strings"
)

// WiringGuard keeps an edit from silently breaking wiring that works: it
// remembers a stack's wires before the edit, and Check compares them with
// the wiring the edit leaves (WiringBreaks). An edit that leaves an
// import that had a provider without one a plan accepts (a required import
// without a provider, an ambiguous import, a stale provider) is refused with
// those wiring errors, whether the import was wired explicitly or
// automatically, because a stored stack that cannot plan is worse than a
// refused edit. An optional import that only loses its provider is a
// warning the edit's answer carries, like a provider change.
type WiringGuard struct {
	Before []ResolvedWire // the wires before the edit
}

// GuardWiring takes st's wiring before an edit.
func GuardWiring(st Stack, tpls map[string]Template) WiringGuard {
	d, _ := Build(st, tpls) // a stack that does not build has no wires to keep
	return WiringGuard{Before: d.Wires}
}

// Check validates st as the edit leaves it (so a field rule is reported
// before wiring), then its wiring against the guard's. what names the edit,
// as in "removing instance db"; hint says how to make the edit possible.
// It returns the warnings to show.
func (g WiringGuard) Check(st *Stack, tpls map[string]Template, what, hint string) ([]Diagnostic, error) {
	SortStack(st)
	if err := ValidateStack(*st, tpls); err != nil {
		return nil, err
	}
	errs, warns := WiringBreaks(g.Before, *st, tpls)
	if len(errs) > 0 {
		return nil, WiringBreakError(what, []string{st.Name}, hint, errs)
	}
	return warns, nil
}

// WiringBreakError refuses an edit that breaks the wiring of stacks.
func WiringBreakError(what string, stacks []string, hint string, diags []Diagnostic) error {
	of := "stack " + stacks[0]
	if len(stacks) > 1 {
		of = "stacks " + strings.Join(stacks, ", ")
	}
	return &ConflictError{Hint: hint, Diagnostics: diags,
		Msg: fmt.Sprintf("%s would break the wiring of %s", what, of)}
}

// InStack moves the instance of each diagnostic into its message, after
// the stack's name.
func InStack(stack string, ds []Diagnostic) []Diagnostic {
	out := make([]Diagnostic, len(ds))
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

// WireFirstHint is the hint of an edit refused because it adds a provider
// that makes imports ambiguous.
const WireFirstHint = "wire those imports explicitly first (each command above keeps its current provider), then try again"

// ProvideFirstHint is the hint of an edit refused because it takes away
// the provider of imports (removing or disabling it).
func ProvideFirstHint(stack string) string {
	return fmt.Sprintf("give those imports another provider first (devarch wire %s CONSUMER.IMPORT PROVIDER[.EXPORT]), or remove or disable their consumers", stack)
}

// Refuse is Check for an edit that adds an instance: adding a provider can
// make an import ambiguous (an error) but cannot cost an import its
// provider, so such an edit has no warnings to show.
func (g WiringGuard) Refuse(st *Stack, tpls map[string]Template, what, hint string) error {
	_, err := g.Check(st, tpls, what, hint)
	return err
}

// DroppedWires notes each explicit wire to provider, which goes when the
// provider is removed.
func DroppedWires(wires []Wire, provider string) []Diagnostic {
	var out []Diagnostic
	for _, w := range wires {
		if w.Provider == provider {
			out = append(out, Diagnostic{Severity: SeverityWarning, Instance: w.Consumer,
				Message: fmt.Sprintf("explicit wire %s.%s -> %s is removed with instance %s",
					w.Consumer, w.Import, ProviderRef(w.Provider, w.Export), provider)})
		}
	}
	return out
}

// GuardTemplateUsers takes, before template name is replaced, the wiring
// of every stack of stacks with an instance of it, by stack name.
func GuardTemplateUsers(stacks []Stack, name string, tpls map[string]Template) map[string]WiringGuard {
	out := map[string]WiringGuard{}
	for _, st := range stacks {
		if slices.ContainsFunc(st.Instances, func(inst Instance) bool { return inst.Template == name }) {
			out[st.Name] = GuardWiring(st, tpls)
		}
	}
	return out
}

// CheckTemplateUsers compares, once template name is replaced (tpls), the
// wiring of the stacks in guards with what it was (see WiringGuard); after
// holds those stacks as stored, sorted by name. The diagnostics name the
// stack and the instance: "stack shop, instance api: ...". It returns the
// warnings to show.
func CheckTemplateUsers(name string, guards map[string]WiringGuard, after []Stack, tpls map[string]Template) ([]Diagnostic, error) {
	var errs, warns []Diagnostic
	var broken []string
	for _, st := range after {
		e, w := WiringBreaks(guards[st.Name].Before, st, tpls)
		if len(e) > 0 {
			broken = append(broken, st.Name)
		}
		errs = append(errs, InStack(st.Name, e)...)
		warns = append(warns, InStack(st.Name, w)...)
	}
	if len(errs) > 0 {
		return nil, WiringBreakError("replacing template "+name, broken,
			"keep the exports those imports use, or first wire them to another provider or export (devarch wire STACK CONSUMER.IMPORT PROVIDER[.EXPORT])", errs)
	}
	return warns, nil
}
