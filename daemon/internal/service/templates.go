package service

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// ListTemplates is every template, built in and the user's, secrets
// redacted, sorted by name.
func (s *Service) ListTemplates() ([]core.Template, error) {
	var out []core.Template
	err := s.store.View(func(tx *store.Tx) error {
		tpls, err := state.Templates(tx)
		if err != nil {
			return err
		}
		for _, t := range tpls {
			out = append(out, core.RedactTemplate(t))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b core.Template) int { return cmp.Compare(a.Name, b.Name) })
	if out == nil {
		out = []core.Template{}
	}
	return out, nil
}

// templateNotFound names a template that does not exist.
func templateNotFound(name string) error {
	return errorf(api.CodeNotFound, "devarch template ls", "template %q not found", name)
}

// ShowTemplate is template name, secrets redacted.
func (s *Service) ShowTemplate(name string) (core.Template, error) {
	var t core.Template
	err := s.store.View(func(tx *store.Tx) error {
		tpls, err := state.Templates(tx)
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
		return core.Template{}, err
	}
	return core.RedactTemplate(t), nil
}

// AddTemplate stores a user template, or replaces one with req.Replace
// (replaced is then true), checking every stack that uses it against the
// new definition.
func (s *Service) AddTemplate(req api.TemplateAddRequest) (out api.TemplateStored, replaced bool, err error) {
	t := req.Template
	// A template the user adds or replaces is the user's: a stack's
	// import-compose no longer owns it.
	t.Builtin, t.OwnerStack = false, ""
	if _, ok := state.Builtin()[t.Name]; ok {
		return out, false, &core.FieldError{Field: "template.name",
			Rule: fmt.Sprintf("%q is a built-in template and cannot be replaced or shadowed; pick another name", t.Name)}
	}
	if err := core.ValidateTemplate(t); err != nil {
		return out, false, err
	}
	var warns []core.Diagnostic
	err = s.store.Update(func(tx *store.Tx) error {
		_, err := tx.GetTemplate(t.Name)
		switch {
		case err == nil && !req.Replace:
			return errorf(api.CodeConflict, "replace it with `devarch template add -f FILE --replace`",
				"template %q already exists", t.Name)
		case err == nil:
			replaced = true
		case !store.IsNotFound(err):
			return err
		}
		guards, err := state.GuardTemplateUsers(tx, t.Name)
		if err != nil {
			return err
		}
		if err := tx.PutTemplate(t); err != nil {
			return err
		}
		if err := revalidateUsers(tx, t.Name); err != nil {
			return err
		}
		if err := inheritTemplateSecrecy(tx, t); err != nil {
			return err
		}
		warns, err = state.CheckTemplateUsers(tx, t.Name, guards)
		return err
	})
	if err != nil {
		return out, false, err
	}
	s.log.Info("template stored", "template", t.Name, "replaced", replaced)
	return api.TemplateStored{Template: core.RedactTemplate(t), Warnings: warns}, replaced, nil
}

// revalidateUsers checks every stack using template name against the
// templates as they are in tx, so a replaced template cannot leave a stack
// invalid.
func revalidateUsers(tx *store.Tx, name string) error {
	stacks, err := tx.ListStacks()
	if err != nil {
		return err
	}
	tpls, err := state.Templates(tx)
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

// RemoveTemplate deletes user template name, which no instance may use.
func (s *Service) RemoveTemplate(name string) error {
	if _, ok := state.Builtin()[name]; ok {
		return errorf(api.CodeConflict, "", "template %q is built in and cannot be removed", name)
	}
	err := s.store.Update(func(tx *store.Tx) error {
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
		return err
	}
	s.log.Info("template removed", "template", name)
	return nil
}
