package daemon

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func (s *Server) handleTemplateList(w http.ResponseWriter, r *http.Request) {
	var out []core.Template
	err := s.Store.View(func(tx *store.Tx) error {
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		for _, t := range tpls {
			out = append(out, core.RedactTemplate(t))
		}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	slices.SortFunc(out, func(a, b core.Template) int { return cmp.Compare(a.Name, b.Name) })
	if out == nil {
		out = []core.Template{}
	}
	writeJSON(w, http.StatusOK, out)
}

// templateNotFound names a template that does not exist.
func templateNotFound(name string) error {
	return errorf(api.CodeNotFound, "devarch template ls", "template %q not found", name)
}

func (s *Server) handleTemplateShow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var t core.Template
	err := s.Store.View(func(tx *store.Tx) error {
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		var ok bool
		if t, ok = tpls[name]; !ok {
			return templateNotFound(name)
		}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, core.RedactTemplate(t))
}

func (s *Server) handleTemplateAdd(w http.ResponseWriter, r *http.Request) {
	var req api.TemplateAddRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	t := req.Template
	t.Builtin = false
	if _, ok := builtinTemplates()[t.Name]; ok {
		writeError(w, &core.FieldError{Field: "template.name",
			Rule: fmt.Sprintf("%q is a built-in template and cannot be replaced or shadowed; pick another name", t.Name)})
		return
	}
	if err := core.ValidateTemplate(t); err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusCreated
	var warns []core.Diagnostic
	err := s.Store.Update(func(tx *store.Tx) error {
		_, err := tx.GetTemplate(t.Name)
		switch {
		case err == nil && !req.Replace:
			return errorf(api.CodeConflict, "replace it with `devarch template add -f FILE --replace`",
				"template %q already exists", t.Name)
		case err == nil:
			status = http.StatusOK
		case !store.IsNotFound(err):
			return err
		}
		guards, err := s.guardTemplateUsers(tx, t.Name)
		if err != nil {
			return err
		}
		if err := tx.PutTemplate(t); err != nil {
			return err
		}
		if err := s.revalidateUsers(tx, t.Name); err != nil {
			return err
		}
		if err := inheritTemplateSecrecy(tx, t); err != nil {
			return err
		}
		warns, err = s.checkTemplateUsers(tx, t.Name, guards)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("template stored", "template", t.Name, "replaced", status == http.StatusOK)
	writeJSON(w, status, api.TemplateStored{Template: core.RedactTemplate(t), Warnings: warns})
}

// revalidateUsers checks every stack using template name against the
// templates as they are in tx, so a replaced template cannot leave a stack
// invalid.
func (s *Server) revalidateUsers(tx *store.Tx, name string) error {
	stacks, err := tx.ListStacks()
	if err != nil {
		return err
	}
	tpls, err := s.templates(tx)
	if err != nil {
		return err
	}
	for _, st := range stacks {
		if len(instancesUsing(st, name)) == 0 {
			continue
		}
		if err := core.ValidateStack(st, tpls); err != nil {
			return fmt.Errorf("stack %q would become invalid with this template: %w", st.Name, err)
		}
	}
	return nil
}

// inheritTemplateSecrecy marks secret, in every stack using template t,
// the overrides of keys and files t marks secret, as a write of the stack
// does: a replaced template that makes a key secret hides the values
// instances already set for it.
func inheritTemplateSecrecy(tx *store.Tx, t core.Template) error {
	stacks, err := tx.ListStacks()
	if err != nil {
		return err
	}
	for _, st := range stacks {
		if core.InheritStackSecrecy(&st, map[string]core.Template{t.Name: t}) {
			if err := tx.PutStack(st); err != nil {
				return err
			}
		}
	}
	return nil
}

// instancesUsing lists the instances of st made from template name.
func instancesUsing(st core.Stack, name string) []string {
	var out []string
	for _, inst := range st.Instances {
		if inst.Template == name {
			out = append(out, inst.Name)
		}
	}
	return out
}

func (s *Server) handleTemplateRemove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := builtinTemplates()[name]; ok {
		writeError(w, errorf(api.CodeConflict, "", "template %q is built in and cannot be removed", name))
		return
	}
	err := s.Store.Update(func(tx *store.Tx) error {
		if _, err := tx.GetTemplate(name); store.IsNotFound(err) {
			return templateNotFound(name)
		} else if err != nil {
			return err
		}
		stacks, err := tx.ListStacks()
		if err != nil {
			return err
		}
		var users []string
		for _, st := range stacks {
			for _, inst := range instancesUsing(st, name) {
				users = append(users, st.Name+"/"+inst)
			}
		}
		if len(users) > 0 {
			slices.Sort(users)
			return errorf(api.CodeConflict, "remove those instances first: devarch instance rm STACK NAME",
				"template %q is used by %s", name, strings.Join(users, ", "))
		}
		return tx.DeleteTemplate(name)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("template removed", "template", name)
	writeJSON(w, http.StatusOK, struct{}{})
}
