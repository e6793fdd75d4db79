package daemon

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// wiresView resolves st's wiring. Wiring errors are reported as
// diagnostics in the view, not as an error.
func wiresView(st core.Stack, tpls map[string]core.Template) (api.WiresView, error) {
	v := api.WiresView{Stack: st.Name, Explicit: st.Wires}
	d, err := core.Build(st, tpls)
	var diags *core.DiagnosticsError
	switch {
	case errors.As(err, &diags):
		v.Diagnostics = append(v.Diagnostics, diags.Diagnostics...)
	case err != nil:
		return v, err
	}
	v.Diagnostics = append(v.Diagnostics, d.Warnings...)
	v.Wires, v.Unresolved = d.Wires, d.Unresolved
	return v, nil
}

func (s *Server) handleWires(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	var v api.WiresView
	err := s.Store.View(func(tx *store.Tx) error {
		st, tpls, err := s.stackAndTemplates(tx, stack)
		if err != nil {
			return err
		}
		v, err = wiresView(st, tpls)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// effective returns the effective config of instance name of st, or a
// FieldError on field.
func effective(st *core.Stack, tpls map[string]core.Template, field, name string) (core.Service, error) {
	if name == "" {
		return core.Service{}, core.Errf(field, "is required: an instance name")
	}
	inst, ok := st.Instance(name)
	if !ok {
		return core.Service{}, &core.FieldError{Field: field, Rule: fmt.Sprintf("no instance %q in stack %q", name, st.Name),
			Hint: "devarch instance ls " + st.Name}
	}
	tpl, ok := tpls[inst.Template]
	if !ok {
		return core.Service{}, core.Errf(field, fmt.Sprintf("instance %q uses unknown template %q", name, inst.Template))
	}
	return core.Merge(tpl, *inst), nil
}

// checkWire validates wire against st and fills in its import when the
// consumer has exactly one import the provider can serve. A provider given
// as PROVIDER.EXPORT is split. A wire that names no export is refused when
// the provider has several exports of the import's type: never pick one
// silently.
func checkWire(st *core.Stack, tpls map[string]core.Template, wire *core.Wire) error {
	if wire.Export == "" {
		wire.Provider, wire.Export = core.SplitProviderRef(wire.Provider)
	}
	consumer, err := effective(st, tpls, "consumer", wire.Consumer)
	if err != nil {
		return err
	}
	provider, err := effective(st, tpls, "provider", wire.Provider)
	if err != nil {
		return err
	}
	if wire.Consumer == wire.Provider {
		return core.Errf("provider", fmt.Sprintf("instance %q cannot be wired to itself", wire.Consumer))
	}
	if wire.Export != "" && !slices.ContainsFunc(provider.Exports, func(e core.Export) bool { return e.Name == wire.Export }) {
		return &core.FieldError{Field: "export",
			Rule: fmt.Sprintf("instance %q has no export %q (%s)", wire.Provider, wire.Export, exportsText(provider.Exports)),
			Hint: "devarch wires " + st.Name}
	}
	// serving lists the provider's exports the wire may use for type t, sorted.
	serving := func(t core.ContractType) []string {
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
		var fits []core.Import
		for _, im := range consumer.Imports {
			if len(serving(im.Type)) > 0 {
				fits = append(fits, im)
			}
		}
		if len(fits) != 1 {
			return &core.FieldError{Field: "import",
				Rule: fmt.Sprintf("name the import of %q to wire to %q (%s)", wire.Consumer, core.ProviderRef(wire.Provider, wire.Export), has),
				Hint: core.WireCommand(st.Name, wire.Consumer, "IMPORT", core.ProviderRef(wire.Provider, wire.Export))}
		}
		wire.Import = fits[0].Name
	}
	i := slices.IndexFunc(consumer.Imports, func(im core.Import) bool { return im.Name == wire.Import })
	if i < 0 {
		return core.Errf("import", fmt.Sprintf("instance %q has no import %q (%s)", wire.Consumer, wire.Import, has))
	}
	im := consumer.Imports[i]
	exps := serving(im.Type)
	switch {
	case len(exps) == 0 && wire.Export != "":
		return core.Errf("export", fmt.Sprintf("export %s of instance %q is not a %s contract (%s); import %s.%s needs %s",
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
		return core.Errf("provider", fmt.Sprintf("instance %q %s; import %s.%s needs %s",
			wire.Provider, what, wire.Consumer, wire.Import, im.Type))
	case len(exps) > 1:
		pick := core.WireCommand(st.Name, wire.Consumer, wire.Import, core.ProviderRef(wire.Provider, exps[0]))
		return &core.FieldError{Field: "export",
			Rule: fmt.Sprintf("instance %q has %d exports of type %s (%s); name the one to wire as PROVIDER.EXPORT, e.g. %s",
				wire.Provider, len(exps), im.Type, strings.Join(exps, ", "), pick),
			Hint: pick}
	}
	return nil
}

// exportsText lists exps as "its exports: name (type), ...", sorted by name.
func exportsText(exps []core.Export) string {
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

func (s *Server) handleWireAdd(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	var wire core.Wire
	if err := decodeJSON(r, &wire); err != nil {
		writeError(w, err)
		return
	}
	s.editWires(w, r, stack, func(st *core.Stack, tpls map[string]core.Template) error {
		if err := checkWire(st, tpls, &wire); err != nil {
			return err
		}
		st.Wires = slices.DeleteFunc(st.Wires, func(x core.Wire) bool {
			return x.Consumer == wire.Consumer && x.Import == wire.Import
		})
		st.Wires = append(st.Wires, wire)
		return nil
	})
}

func (s *Server) handleWireRemove(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	consumer, imp := r.URL.Query().Get("consumer"), r.URL.Query().Get("import")
	if consumer == "" {
		writeError(w, core.Errf("consumer", "is required: the consumer instance of the wire"))
		return
	}
	s.editWires(w, r, stack, func(st *core.Stack, tpls map[string]core.Template) error {
		var match []core.Wire
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
			return errorf(api.CodeNotFound, "devarch wires "+stack, "stack %q has no explicit wire for %s", stack, what)
		case 1:
		default:
			var imps []string
			for _, x := range match {
				imps = append(imps, consumer+"."+x.Import)
			}
			return core.Errf("import", fmt.Sprintf("%q has several explicit wires (%s); name the import", consumer, strings.Join(imps, ", ")))
		}
		st.Wires = slices.DeleteFunc(st.Wires, func(x core.Wire) bool { return x == match[0] })
		return nil
	})
}

// editWires changes stack's wires under its edit lock and answers with
// the resulting wiring.
func (s *Server) editWires(w http.ResponseWriter, r *http.Request, stack string, fn func(st *core.Stack, tpls map[string]core.Template) error) {
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	var v api.WiresView
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		if err := fn(st, tpls); err != nil {
			return err
		}
		sortStack(st)
		var err error
		v, err = wiresView(*st, tpls)
		if v.Stack == "" {
			v.Stack = stack
		}
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("wires changed", "stack", stack)
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	var d core.Desired
	err := s.Store.View(func(tx *store.Tx) error {
		st, tpls, err := s.stackAndTemplates(tx, stack)
		if err != nil {
			return err
		}
		if d, err = core.Build(st, tpls); err != nil {
			return err
		}
		others, err := tx.ListStacks()
		if err != nil {
			return err
		}
		d.Warnings = append(d.Warnings, core.PortConflicts(d, core.BuildOthers(others, stack, tpls))...)
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := compose.Generate(d, compose.Options{ShowSecrets: queryBool(r, "show_secrets"), FilesDir: s.filesDir(stack)})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, api.ConfigView{
		Stack: stack, Project: core.ProjectName(stack), YAML: string(out), Warnings: d.Warnings,
	})
}
