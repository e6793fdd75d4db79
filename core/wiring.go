package core

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// WireCommand is the CLI command that binds consumer.imp to provider
// explicitly in stack. provider is PROVIDER[.EXPORT] (see ProviderRef).
func WireCommand(stack, consumer, imp, provider string) string {
	return fmt.Sprintf("devarch wire %s %s.%s %s", stack, consumer, imp, provider)
}

// ProviderRef is how the wire command names a provider and, when export is
// not empty, one of its exports: "db", or "api.admin".
func ProviderRef(provider, export string) string {
	if export == "" {
		return provider
	}
	return provider + "." + export
}

// SplitProviderRef splits PROVIDER[.EXPORT] at the first dot; instance
// names are DNS labels and never contain one.
func SplitProviderRef(ref string) (provider, export string) {
	provider, export, _ = strings.Cut(ref, ".")
	return provider, export
}

// Resolve binds every import of every enabled instance of st to exactly one
// export of one provider instance, following DESIGN.md "Wiring": an
// explicit wire always wins; otherwise an import is auto-wired when exactly
// one other enabled instance exports its contract type, and that instance
// has one export of the type. A wire that names no export uses the
// provider's only export of the import's type. Missing providers are errors
// for required imports and warnings for optional ones; several candidates
// (instances, or exports of one instance) without an explicit wire naming
// one, a provider whose exports went stale after an image override,
// explicit wires to unknown, disabled or unsuitable instances or exports,
// and cycles are errors. Every problem is reported, not only the first.
// services are the effective configs of st's instances (disabled ones
// included). wires and unresolved are sorted by consumer and import;
// unresolved holds every import left without a provider, for any reason.
func Resolve(st Stack, services []Service) (wires []ResolvedWire, unresolved []UnresolvedImport, diags []Diagnostic) {
	res := resolveStack(st, services)
	return res.wires, res.unresolved, res.diags
}

// resolution is what Resolve computes, plus the diagnostics of each import.
type resolution struct {
	wires      []ResolvedWire
	unresolved []UnresolvedImport
	diags      []Diagnostic
	byImport   map[string][]Diagnostic // "consumer.import" -> that import's diagnostics
	byName     map[string]*Service
}

func resolveStack(st Stack, services []Service) resolution {
	byName := make(map[string]*Service, len(services))
	for i := range services {
		if _, dup := byName[services[i].Instance]; !dup {
			byName[services[i].Instance] = &services[i]
		}
	}
	res := resolution{byImport: map[string][]Diagnostic{}, byName: byName}
	explicit, diags := explicitWires(st, byName)
	var (
		wires      []ResolvedWire
		unresolved []UnresolvedImport
	)

	for _, name := range slices.Sorted(maps.Keys(byName)) {
		consumer := byName[name]
		if !consumer.Enabled {
			continue
		}
		imports := slices.Clone(consumer.Imports)
		slices.SortStableFunc(imports, func(a, b Import) int { return cmp.Compare(a.Name, b.Name) })
		for _, imp := range imports {
			r := resolver{stack: st.Name, consumer: consumer, imp: imp, byName: byName}
			var w *ResolvedWire
			var ds []Diagnostic
			if ew, ok := explicit[name+"."+imp.Name]; ok {
				w, ds = r.explicit(ew)
			} else {
				w, ds = r.auto()
			}
			diags = append(diags, ds...)
			res.byImport[name+"."+imp.Name] = ds
			if w != nil {
				wires = append(wires, *w)
				continue
			}
			unresolved = append(unresolved, UnresolvedImport{
				Consumer: name, Import: imp.Name, Type: imp.Type, Optional: imp.Optional,
			})
		}
	}

	for _, cycle := range findCycles(enabledNames(services), wireEdges(wires)) {
		diags = append(diags, Diagnostic{
			Severity: SeverityError,
			Instance: cycle[0],
			Message:  "wiring cycle: " + strings.Join(cycle, " -> "),
		})
	}
	res.wires, res.unresolved, res.diags = wires, unresolved, diags
	return res
}

// explicitWires indexes st.Wires by "consumer.import" and reports wires
// that name an unknown consumer, an import the consumer does not have, or
// the same import twice. Wires of disabled consumers are kept silently, for
// when the consumer is enabled again.
func explicitWires(st Stack, byName map[string]*Service) (map[string]Wire, []Diagnostic) {
	var diags []Diagnostic
	out := map[string]Wire{}
	ws := slices.Clone(st.Wires)
	slices.SortStableFunc(ws, func(a, b Wire) int {
		return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Import, b.Import))
	})
	for _, w := range ws {
		label := fmt.Sprintf("wire %s.%s -> %s", w.Consumer, w.Import, ProviderRef(w.Provider, w.Export))
		consumer, ok := byName[w.Consumer]
		if !ok {
			diags = append(diags, errDiag(w.Consumer, "%s: consumer %q is not an instance of stack %s", label, w.Consumer, st.Name))
			continue
		}
		if !slices.ContainsFunc(consumer.Imports, func(i Import) bool { return i.Name == w.Import }) {
			diags = append(diags, errDiag(w.Consumer, "%s: instance %s has no import %q (imports: %s)",
				label, w.Consumer, w.Import, importNames(consumer.Imports)))
			continue
		}
		key := w.Consumer + "." + w.Import
		if prev, dup := out[key]; dup {
			diags = append(diags, errDiag(w.Consumer, "%s: import %s is already wired to %s; an import has one provider",
				label, key, prev.Provider))
			continue
		}
		out[key] = w
	}
	return out, diags
}

// resolver resolves one import of one consumer.
type resolver struct {
	stack    string
	consumer *Service
	imp      Import
	byName   map[string]*Service
}

func (r resolver) what() string {
	return fmt.Sprintf("import %s (%s)", r.imp.Name, r.imp.Type)
}

func (r resolver) wire(p *Service, exp Export, auto bool) *ResolvedWire {
	return &ResolvedWire{
		Consumer: r.consumer.Instance, Import: r.imp.Name, Type: r.imp.Type,
		Provider: p.Instance, Export: exp.Name, Auto: auto,
	}
}

// StaleExportsHint tells how to fix instance inst of stack, whose image
// override left the exports it inherits from its template stale.
func StaleExportsHint(stack, inst string) string {
	return fmt.Sprintf("declare that the new image speaks the template's contracts with `devarch instance set %s %s --keep-exports`, or go back with `devarch instance reset %s %s image`",
		stack, inst, stack, inst)
}

// stale is the error for a provider whose exports are inherited from a
// template whose image it overrides.
func (r resolver) stale(p *Service) Diagnostic {
	d := errDiag(r.consumer.Instance,
		"instance %s overrides the image of template %s without redeclaring its exports; consumer %s imports %s as %s",
		p.Instance, p.Template, r.consumer.Instance, r.imp.Type, r.imp.Name)
	d.Hint = StaleExportsHint(r.stack, p.Instance)
	return d
}

// severalExports is the error for a provider with several exports of the
// import's type and no wire naming one: it lists them, sorted, and the
// command that picks the first. subject says how the consumer came to p.
func (r resolver) severalExports(subject string, p *Service, exps []Export) Diagnostic {
	names := make([]string, len(exps))
	for i, e := range exps {
		names[i] = e.Name
	}
	pick := WireCommand(r.stack, r.consumer.Instance, r.imp.Name, ProviderRef(p.Instance, exps[0].Name))
	d := errDiag(r.consumer.Instance, "%s %s, which has %d exports of type %s (%s); pick one, e.g. %s",
		r.what(), subject, len(exps), r.imp.Type, strings.Join(names, ", "), pick)
	d.Hint = pick
	return d
}

func (r resolver) explicit(w Wire) (*ResolvedWire, []Diagnostic) {
	c := r.consumer.Instance
	provider := w.Provider
	p, ok := r.byName[provider]
	switch {
	case !ok:
		return nil, []Diagnostic{errDiag(c, "%s is wired to %q, which is not an instance of stack %s",
			r.what(), provider, r.stack)}
	case provider == c:
		return nil, []Diagnostic{errDiag(c, "%s is wired to instance %s itself; a provider must be another instance",
			r.what(), c)}
	case !p.Enabled:
		return nil, []Diagnostic{errDiag(c, "%s is wired to instance %s, which is disabled", r.what(), provider)}
	}
	if w.Export != "" {
		i := slices.IndexFunc(p.Exports, func(e Export) bool { return e.Name == w.Export })
		switch {
		case i < 0:
			return nil, []Diagnostic{errDiag(c, "%s is wired to %s, but instance %s has no export %q (its exports: %s)",
				r.what(), ProviderRef(provider, w.Export), provider, w.Export, exportList(p.Exports))}
		case p.Exports[i].Type != r.imp.Type:
			return nil, []Diagnostic{errDiag(c, "%s is wired to %s, which is a %s contract, not %s",
				r.what(), ProviderRef(provider, w.Export), p.Exports[i].Type, r.imp.Type)}
		case p.ExportsStale:
			return nil, []Diagnostic{r.stale(p)}
		}
		return r.wire(p, p.Exports[i], false), nil
	}
	exps := exportsOf(p, r.imp.Type)
	if len(exps) == 0 {
		return nil, []Diagnostic{errDiag(c, "%s is wired to instance %s, which exports no %s contract (it exports: %s)",
			r.what(), provider, r.imp.Type, exportTypes(p.Exports))}
	}
	if p.ExportsStale {
		return nil, []Diagnostic{r.stale(p)}
	}
	if len(exps) > 1 {
		return nil, []Diagnostic{r.severalExports("is wired to instance "+provider, p, exps)}
	}
	return r.wire(p, exps[0], false), nil
}

func (r resolver) auto() (*ResolvedWire, []Diagnostic) {
	c := r.consumer.Instance
	var candidates []*Service
	var refs []string // every export a wire could pick: PROVIDER, or PROVIDER.EXPORT when it has several
	for _, name := range slices.Sorted(maps.Keys(r.byName)) {
		p := r.byName[name]
		if name == c || !p.Enabled {
			continue
		}
		exps := exportsOf(p, r.imp.Type)
		if len(exps) == 0 {
			continue
		}
		candidates = append(candidates, p)
		for _, e := range exps {
			if len(exps) == 1 {
				refs = append(refs, p.Instance)
			} else {
				refs = append(refs, ProviderRef(p.Instance, e.Name))
			}
		}
	}
	var diags []Diagnostic
	for _, p := range candidates {
		if p.ExportsStale {
			diags = append(diags, r.stale(p))
		}
	}
	if len(diags) > 0 {
		return nil, diags
	}
	switch len(candidates) {
	case 0:
		reason := fmt.Sprintf("no enabled instance of stack %s exports %s", r.stack, r.imp.Type)
		if _, self := exportOf(r.consumer, r.imp.Type); self {
			reason = fmt.Sprintf("instance %s exports %s itself, but an instance cannot be wired to itself, and no other enabled instance of stack %s exports %s",
				c, r.imp.Type, r.stack, r.imp.Type)
		}
		if r.imp.Optional {
			return nil, []Diagnostic{{
				Severity: SeverityWarning, Instance: c,
				Message: fmt.Sprintf("optional %s has no provider: %s; it stays unwired", r.what(), reason),
			}}
		}
		return nil, []Diagnostic{errDiag(c, "required %s has no provider: %s", r.what(), reason)}
	case 1:
		p := candidates[0]
		exps := exportsOf(p, r.imp.Type)
		if len(exps) > 1 {
			return nil, []Diagnostic{r.severalExports("is ambiguous: its only provider is instance "+p.Instance, p, exps)}
		}
		return r.wire(p, exps[0], true), nil
	}
	d := errDiag(c, "%s is ambiguous: %d instances export %s (%s); pick one, e.g. %s",
		r.what(), len(candidates), r.imp.Type, strings.Join(refs, ", "),
		WireCommand(r.stack, c, r.imp.Name, refs[0]))
	d.Hint = WireCommand(r.stack, c, r.imp.Name, refs[0])
	return nil, []Diagnostic{d}
}

// exportOf returns p's first export of type t.
func exportOf(p *Service, t ContractType) (Export, bool) {
	for _, e := range p.Exports {
		if e.Type == t {
			return e, true
		}
	}
	return Export{}, false
}

// exportsOf returns p's exports of type t, sorted by name.
func exportsOf(p *Service, t ContractType) []Export {
	var out []Export
	for _, e := range p.Exports {
		if e.Type == t {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Export) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// exportList names exps as "name (type)", sorted by name.
func exportList(exps []Export) string {
	if len(exps) == 0 {
		return "none"
	}
	items := make([]string, len(exps))
	for i, e := range exps {
		items[i] = fmt.Sprintf("%s (%s)", e.Name, e.Type)
	}
	slices.Sort(items)
	return strings.Join(items, ", ")
}

func errDiag(instance, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: SeverityError, Instance: instance, Message: fmt.Sprintf(format, args...)}
}

func importNames(imps []Import) string {
	if len(imps) == 0 {
		return "none"
	}
	names := make([]string, len(imps))
	for i, imp := range imps {
		names[i] = imp.Name
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func exportTypes(exps []Export) string {
	var types []string
	for _, e := range exps {
		if !slices.Contains(types, string(e.Type)) {
			types = append(types, string(e.Type))
		}
	}
	if len(types) == 0 {
		return "nothing"
	}
	slices.Sort(types)
	return strings.Join(types, ", ")
}

func enabledNames(services []Service) []string {
	var names []string
	for _, s := range services {
		if s.Enabled && !slices.Contains(names, s.Instance) {
			names = append(names, s.Instance)
		}
	}
	slices.Sort(names)
	return names
}

// wireEdges maps each consumer to the providers it depends on, sorted.
func wireEdges(wires []ResolvedWire) map[string][]string {
	edges := map[string][]string{}
	for _, w := range wires {
		if !slices.Contains(edges[w.Consumer], w.Provider) {
			edges[w.Consumer] = append(edges[w.Consumer], w.Provider)
		}
	}
	for k := range edges {
		slices.Sort(edges[k])
	}
	return edges
}
