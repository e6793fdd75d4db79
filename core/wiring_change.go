package core

import (
	"fmt"
	"slices"
)

// WiringBreaks tells what a change to a stack does to the imports that had
// a provider before it. before is the stack's wiring before the change (the
// Wires of its Build, or of Resolve); after and templates are the stack and
// the templates as the change leaves them. For every import in before that
// still belongs to an enabled instance after the change:
//
//   - errs are the import's error diagnostics when it no longer resolves in
//     a way a plan accepts: a required import left without a provider, an
//     import made ambiguous (several instances, or several exports of one
//     instance), a provider whose exports went stale or lost the export an
//     explicit wire names. A write that causes them is to be refused, as
//     plan and apply would refuse the stack it stores.
//   - warns are the warnings of an optional import left without a provider
//     (it stays unwired), and a note for an import that now resolves to
//     another provider.
//
// An error about an import whose former provider could still serve it
// carries the wire command that keeps that provider as its hint. Imports
// that did not resolve before, and imports of instances the change removes
// or disables, are not reported: the change does not break them.
func WiringBreaks(before []ResolvedWire, after Stack, templates map[string]Template) (errs, warns []Diagnostic) {
	services := make([]Service, 0, len(after.Instances))
	for _, inst := range after.Instances {
		if tpl, ok := templates[inst.Template]; ok {
			services = append(services, Merge(tpl, inst))
		}
	}
	now := resolveStack(after, services)
	resolved := make(map[string]ResolvedWire, len(now.wires))
	for _, w := range now.wires {
		resolved[w.Consumer+"."+w.Import] = w
	}
	unresolved := make(map[string]bool, len(now.unresolved))
	for _, u := range now.unresolved {
		unresolved[u.Consumer+"."+u.Import] = true
	}
	for _, was := range before {
		key := was.Consumer + "." + was.Import
		if w, ok := resolved[key]; ok {
			if w.Provider != was.Provider {
				warns = append(warns, Diagnostic{
					Severity: SeverityWarning, Instance: w.Consumer,
					Message: fmt.Sprintf("import %s (%s) is now wired %s to %s; it was wired to %s",
						w.Import, w.Type, wireHow(w), w.Provider, was.Provider),
				})
			}
			continue
		}
		if !unresolved[key] {
			continue // the consumer is gone or disabled, or no longer has the import
		}
		keep := keepCommand(after.Name, was, now.byName)
		for _, d := range now.byImport[key] {
			if d.Severity != SeverityError {
				warns = append(warns, d)
				continue
			}
			if keep != "" {
				d.Hint = keep
			}
			errs = append(errs, d)
		}
	}
	return errs, warns
}

func wireHow(w ResolvedWire) string {
	if w.Auto {
		return "automatically"
	}
	return "explicitly"
}

// keepCommand is the wire command that binds was's import to the provider
// and export it had, when that provider could still serve it; else "".
func keepCommand(stack string, was ResolvedWire, byName map[string]*Service) string {
	p, ok := byName[was.Provider]
	if !ok || !p.Enabled || p.ExportsStale || p.Instance == was.Consumer {
		return ""
	}
	exps := exportsOf(p, was.Type)
	i := slices.IndexFunc(exps, func(e Export) bool { return e.Name == was.Export })
	if i < 0 {
		return ""
	}
	ref := p.Instance
	if len(exps) > 1 {
		ref = ProviderRef(p.Instance, was.Export)
	}
	return WireCommand(stack, was.Consumer, was.Import, ref)
}
