package state

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// OwnedTemplateWrites checks the templates stack's import-compose brings
// (each with OwnerStack set to stack) against the store, writing nothing,
// and returns those to store: the ones the store does not have, and those
// the stack owns (core.Template.OwnerStack) that differ and that no other
// stack names. Any other template of the same name must be identical
// (OwnerStack aside): an import never changes a template another stack
// may use. Errors name the template and the fields that differ, never
// their values.
func OwnedTemplateWrites(tx *store.Tx, stack string, tpls []core.Template) ([]core.Template, error) {
	var out []core.Template
	for _, t := range tpls {
		if _, ok := Builtin()[t.Name]; ok {
			return nil, &core.FieldError{Field: "templates." + t.Name, Rule: "shadows a built-in template; rename it"}
		}
		if err := core.ValidateTemplate(t); err != nil {
			return nil, err
		}
		cur, err := tx.GetTemplate(t.Name)
		switch {
		case store.IsNotFound(err):
			out = append(out, t)
			continue
		case err != nil:
			return nil, err
		}
		diff := TemplateDiff(cur, t)
		if len(diff) == 0 {
			continue
		}
		if cur.OwnerStack != stack {
			return nil, &TemplateConflict{Name: t.Name, Fields: diff}
		}
		users, err := tx.TemplateUsers(t.Name)
		if err != nil {
			return nil, err
		}
		if others := slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == stack }); len(others) > 0 {
			return nil, &TemplateConflict{Name: t.Name, Fields: diff, Users: others}
		}
		out = append(out, t)
	}
	return out, nil
}

// TemplateConflict is a template an import would change that it may not:
// one it did not create, or one other stacks use.
type TemplateConflict struct {
	Name   string
	Fields []string // the fields that differ
	Users  []string // the other stacks naming it, when the import created it
}

func (e *TemplateConflict) Error() string {
	if len(e.Users) > 0 {
		return fmt.Sprintf("template %q would change (%s differ), but stacks %s use it too",
			e.Name, strings.Join(e.Fields, ", "), strings.Join(e.Users, ", "))
	}
	return fmt.Sprintf("template %q already exists with a different definition (%s differ)", e.Name, strings.Join(e.Fields, ", "))
}

// DropOwnedTemplates deletes the templates stack's import-compose created
// that no stack's definition names any more: called once the stack is
// removed, or its definition replaced by a re-import.
func DropOwnedTemplates(tx *store.Tx, stack string) error {
	tpls, err := tx.ListTemplates()
	if err != nil {
		return err
	}
	for _, t := range tpls {
		if t.OwnerStack != stack {
			continue
		}
		users, err := tx.TemplateUsers(t.Name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			continue
		}
		if err := tx.DeleteTemplate(t.Name); err != nil {
			return fmt.Errorf("remove template %q of stack %q: %w", t.Name, stack, err)
		}
	}
	return nil
}

// TemplateDiff names the fields in which two templates differ, never their
// values (they may be secret); who owns them is not a difference.
func TemplateDiff(a, b core.Template) []string {
	va, vb := reflect.ValueOf(NormalizeTemplate(a)), reflect.ValueOf(NormalizeTemplate(b))
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name, _, _ := strings.Cut(va.Type().Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

// NormalizeTemplate makes nil and empty collections compare equal, and
// leaves out what is not the template's definition (built in, owner).
func NormalizeTemplate(t core.Template) core.Template {
	t.Builtin = false
	t.OwnerStack = ""
	// Files are a set keyed by target: their order carries no meaning.
	t.Files = slices.Clone(t.Files)
	slices.SortFunc(t.Files, func(a, b core.ConfigFile) int { return strings.Compare(a.Target, b.Target) })
	if len(t.Env) == 0 {
		t.Env = nil
	}
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	for _, p := range []*[]string{&t.Command, &t.Entrypoint, &t.Domains} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	if len(t.Ports) == 0 {
		t.Ports = nil
	}
	if len(t.Volumes) == 0 {
		t.Volumes = nil
	}
	if len(t.Files) == 0 {
		t.Files = nil
	}
	if len(t.Exports) == 0 {
		t.Exports = nil
	}
	if len(t.Imports) == 0 {
		t.Imports = nil
	}
	return t
}
