package core

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// WireCommand is the CLI command that binds consumer.imp to provider
// explicitly in stack.
func WireCommand(stack, consumer, imp, provider string) string {
	return fmt.Sprintf("devarch wire %s %s.%s %s", stack, consumer, imp, provider)
}

// Resolve binds every import of every enabled instance of st to exactly one
// provider instance, following DESIGN.md "Wiring": an explicit wire always
// wins; otherwise an import is auto-wired when exactly one other enabled
// instance exports its contract type. Missing providers are errors for
// required imports and warnings for optional ones; several candidates
// without an explicit wire, a provider whose exports went stale after an
// image override, explicit wires to unknown, disabled or unsuitable
// instances, and cycles are errors. Every problem is reported, not only the
// first. services are the effective configs of st's instances (disabled ones
// included). wires and unresolved are sorted by consumer and import;
// unresolved holds every import left without a provider, for any reason.
func Resolve(st Stack, services []Service) (wires []ResolvedWire, unresolved []UnresolvedImport, diags []Diagnostic) {
	byName := make(map[string]*Service, len(services))
	for i := range services {
		if _, dup := byName[services[i].Instance]; !dup {
			byName[services[i].Instance] = &services[i]
		}
	}
	explicit, diags := explicitWires(st, byName)

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
				w, ds = r.explicit(ew.Provider)
			} else {
				w, ds = r.auto()
			}
			diags = append(diags, ds...)
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
	return wires, unresolved, diags
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
		label := fmt.Sprintf("wire %s.%s -> %s", w.Consumer, w.Import, w.Provider)
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

func (r resolver) wire(p *Service, auto bool) *ResolvedWire {
	exp, _ := exportOf(p, r.imp.Type)
	return &ResolvedWire{
		Consumer: r.consumer.Instance, Import: r.imp.Name, Type: r.imp.Type,
		Provider: p.Instance, Export: exp.Name, Auto: auto,
	}
}

// stale is the error for a provider whose exports are inherited from a
// template whose image it overrides.
func (r resolver) stale(p *Service) Diagnostic {
	d := errDiag(r.consumer.Instance,
		"instance %s overrides the image of template %s without redeclaring its exports; consumer %s imports %s as %s",
		p.Instance, p.Template, r.consumer.Instance, r.imp.Type, r.imp.Name)
	d.Hint = fmt.Sprintf("devarch instance reset %s %s image", r.stack, p.Instance)
	return d
}

func (r resolver) explicit(provider string) (*ResolvedWire, []Diagnostic) {
	c := r.consumer.Instance
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
	if _, has := exportOf(p, r.imp.Type); !has {
		return nil, []Diagnostic{errDiag(c, "%s is wired to instance %s, which exports no %s contract (it exports: %s)",
			r.what(), provider, r.imp.Type, exportTypes(p.Exports))}
	}
	if p.ExportsStale {
		return nil, []Diagnostic{r.stale(p)}
	}
	return r.wire(p, false), nil
}

func (r resolver) auto() (*ResolvedWire, []Diagnostic) {
	c := r.consumer.Instance
	var candidates []*Service
	for _, name := range slices.Sorted(maps.Keys(r.byName)) {
		p := r.byName[name]
		if name == c || !p.Enabled {
			continue
		}
		if _, has := exportOf(p, r.imp.Type); has {
			candidates = append(candidates, p)
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
		if r.imp.Optional {
			return nil, []Diagnostic{{
				Severity: SeverityWarning, Instance: c,
				Message: fmt.Sprintf("optional %s has no provider: no enabled instance of stack %s exports %s; it stays unwired",
					r.what(), r.stack, r.imp.Type),
			}}
		}
		return nil, []Diagnostic{errDiag(c, "required %s has no provider: no enabled instance of stack %s exports %s",
			r.what(), r.stack, r.imp.Type)}
	case 1:
		return r.wire(candidates[0], true), nil
	}
	names := make([]string, len(candidates))
	for i, p := range candidates {
		names[i] = p.Instance
	}
	d := errDiag(c, "%s is ambiguous: %d instances export %s (%s); pick one, e.g. %s",
		r.what(), len(names), r.imp.Type, strings.Join(names, ", "),
		WireCommand(r.stack, c, r.imp.Name, names[0]))
	d.Hint = WireCommand(r.stack, c, r.imp.Name, names[0])
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
