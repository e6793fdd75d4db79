package core

// Editing a stack's wiring: explicit wires (AddWire, RemoveWire) and the
// guard that keeps an edit from silently breaking wiring that works
// (WiringGuard, wiring_guard.go).

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// effectiveOf returns the effective config of instance name of st, or a
// FieldError on field.
func effectiveOf(st *Stack, tpls map[string]Template, field, name string) (Service, error) {
	if name == "" {
		return Service{}, Errf(field, "is required: an instance name")
	}
	inst, ok := st.Instance(name)
	if !ok {
		return Service{}, &FieldError{Field: field, Rule: fmt.Sprintf("no instance %q in stack %q", name, st.Name),
			Hint: "devarch instance ls " + st.Name}
	}
	tpl, ok := tpls[inst.Template]
	if !ok {
		return Service{}, Errf(field, fmt.Sprintf("instance %q uses unknown template %q", name, inst.Template))
	}
	return Merge(tpl, *inst), nil
}

// CheckWire validates wire against st and fills in its import when the
// consumer has exactly one import the provider can serve. A provider given
// as PROVIDER.EXPORT is split. A wire that names no export is refused when
// the provider has several exports of the import's type: never pick one
// silently.
func CheckWire(st *Stack, tpls map[string]Template, wire *Wire) error {
	if wire.Export == "" {
		wire.Provider, wire.Export = SplitProviderRef(wire.Provider)
	}
	consumer, err := effectiveOf(st, tpls, "consumer", wire.Consumer)
	if err != nil {
		return err
	}
	provider, err := effectiveOf(st, tpls, "provider", wire.Provider)
	if err != nil {
		return err
	}
	if wire.Consumer == wire.Provider {
		return Errf("provider", fmt.Sprintf("instance %q cannot be wired to itself", wire.Consumer))
	}
	if wire.Export != "" && !slices.ContainsFunc(provider.Exports, func(e Export) bool { return e.Name == wire.Export }) {
		return &FieldError{Field: "export",
			Rule: fmt.Sprintf("instance %q has no export %q (%s)", wire.Provider, wire.Export, exportsText(provider.Exports)),
			Hint: "devarch wires " + st.Name}
	}
	// serving lists the provider's exports the wire may use for type t, sorted.
	serving := func(t ContractType) []string {
		var names []string
		for _, e := range provider.Exports {
			if e.Type == t && (wire.Export == "" || e.Name == wire.Export) {
				names = append(names, e.Name)
			}
		}
		slices.Sort(names)
		return names
	}
	var names []string
	for _, im := range consumer.Imports {
		names = append(names, im.Name+" ("+string(im.Type)+")")
	}
	has := "it has no imports"
	if len(names) > 0 {
		has = "its imports: " + strings.Join(names, ", ")
	}
	if wire.Import == "" {
		var fits []Import
		for _, im := range consumer.Imports {
			if len(serving(im.Type)) > 0 {
				fits = append(fits, im)
			}
		}
		if len(fits) != 1 {
			return &FieldError{Field: "import",
				Rule: fmt.Sprintf("name the import of %q to wire to %q (%s)", wire.Consumer, ProviderRef(wire.Provider, wire.Export), has),
				Hint: WireCommand(st.Name, wire.Consumer, "IMPORT", ProviderRef(wire.Provider, wire.Export))}
		}
		wire.Import = fits[0].Name
	}
	i := slices.IndexFunc(consumer.Imports, func(im Import) bool { return im.Name == wire.Import })
	if i < 0 {
		return Errf("import", fmt.Sprintf("instance %q has no import %q (%s)", wire.Consumer, wire.Import, has))
	}
	im := consumer.Imports[i]
	exps := serving(im.Type)
	switch {
	case len(exps) == 0 && wire.Export != "":
		return Errf("export", fmt.Sprintf("export %s of instance %q is not a %s contract (%s); import %s.%s needs %s",
			wire.Export, wire.Provider, im.Type, exportsText(provider.Exports), wire.Consumer, wire.Import, im.Type))
	case len(exps) == 0:
		var types []string
		for _, e := range provider.Exports {
			types = append(types, string(e.Type))
		}
		what := "exports nothing"
		if len(types) > 0 {
			what = "exports " + strings.Join(types, ", ")
		}
		return Errf("provider", fmt.Sprintf("instance %q %s; import %s.%s needs %s",
			wire.Provider, what, wire.Consumer, wire.Import, im.Type))
	case len(exps) > 1:
		pick := WireCommand(st.Name, wire.Consumer, wire.Import, ProviderRef(wire.Provider, exps[0]))
		return &FieldError{Field: "export",
			Rule: fmt.Sprintf("instance %q has %d exports of type %s (%s); name the one to wire as PROVIDER.EXPORT, e.g. %s",
				wire.Provider, len(exps), im.Type, strings.Join(exps, ", "), pick),
			Hint: pick}
	}
	return nil
}

// exportsText lists exps as "its exports: name (type), ...", sorted by name.
func exportsText(exps []Export) string {
	if len(exps) == 0 {
		return "it has no exports"
	}
	items := make([]string, len(exps))
	for i, e := range exps {
		items[i] = e.Name + " (" + string(e.Type) + ")"
	}
	slices.Sort(items)
	return "its exports: " + strings.Join(items, ", ")
}

// AddWire checks wire against st (CheckWire, which completes it) and sets
// it, replacing the explicit wire of the same consumer import.
func AddWire(st *Stack, tpls map[string]Template, wire Wire) error {
	if err := CheckWire(st, tpls, &wire); err != nil {
		return err
	}
	st.Wires = slices.DeleteFunc(st.Wires, func(x Wire) bool {
		return x.Consumer == wire.Consumer && x.Import == wire.Import
	})
	st.Wires = append(st.Wires, wire)
	return nil
}

// RemoveWire removes the explicit wire of consumer's import imp from st;
// imp may be empty when consumer has one explicit wire.
func RemoveWire(st *Stack, consumer, imp string) error {
	if consumer == "" {
		return Errf("consumer", "is required: the consumer instance of the wire")
	}
	var match []Wire
	for _, x := range st.Wires {
		if x.Consumer == consumer && (imp == "" || x.Import == imp) {
			match = append(match, x)
		}
	}
	what := consumer
	if imp != "" {
		what += "." + imp
	}
	switch len(match) {
	case 0:
		return &NotFoundError{Hint: "devarch wires " + st.Name,
			Msg: fmt.Sprintf("stack %q has no explicit wire for %s", st.Name, what)}
	case 1:
	default:
		var imps []string
		for _, x := range match {
			imps = append(imps, consumer+"."+x.Import)
		}
		return Errf("import", fmt.Sprintf("%q has several explicit wires (%s); name the import", consumer, strings.Join(imps, ", ")))
	}
	st.Wires = slices.DeleteFunc(st.Wires, func(x Wire) bool { return x == match[0] })
	return nil
}

// SortStack keeps instances sorted by name and wires by consumer, import.
func SortStack(st *Stack) {
	slices.SortStableFunc(st.Instances, func(a, b Instance) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortStableFunc(st.Wires, func(a, b Wire) int {
		return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Import, b.Import))
	})
}
