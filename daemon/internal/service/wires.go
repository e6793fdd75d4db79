package daemon

import (
	"errors"
	"net/http"

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

func (s *Server) handleWireAdd(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	var wire core.Wire
	if err := decodeJSON(r, &wire); err != nil {
		writeError(w, err)
		return
	}
	s.editWires(w, r, stack, func(st *core.Stack, tpls map[string]core.Template) error {
		return core.AddWire(st, tpls, wire)
	})
}

func (s *Server) handleWireRemove(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	consumer, imp := r.URL.Query().Get("consumer"), r.URL.Query().Get("import")
	s.editWires(w, r, stack, func(st *core.Stack, _ map[string]core.Template) error {
		return core.RemoveWire(st, consumer, imp)
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
		core.SortStack(st)
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
