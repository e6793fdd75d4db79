// Package state reads the stored stacks and templates the way the core rules need them: every template a stack may use, a stack or a not-found error naming it, every stack's networks, and the write-time checks of a stack against the others.
package state

import (
	"fmt"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/store"
)

// Builtin returns the catalog shipped in the binary, by name.
func Builtin() map[string]core.Template { return catalog.Builtin() }

// Templates returns every template a stack may use: the built-in catalog
// plus the user's templates. A user template never shadows a built-in one.
func Templates(tx *store.Tx) (map[string]core.Template, error) { return tx.Templates() }

// Stack reads stack name, or a not-found error naming it.
func Stack(tx *store.Tx, name string) (core.Stack, error) {
	st, err := tx.GetStack(name)
	if store.IsNotFound(err) {
		return st, &core.NotFoundError{Msg: fmt.Sprintf("stack %q not found", name), Hint: "devarch stack ls"}
	}
	return st, err
}

// StackAndTemplates reads stack name and every template it may use.
func StackAndTemplates(tx *store.Tx, name string) (core.Stack, map[string]core.Template, error) {
	st, err := Stack(tx, name)
	if err != nil {
		return st, nil, err
	}
	tpls, err := Templates(tx)
	return st, tpls, err
}

// Desired reads stack name and computes its desired state.
func Desired(tx *store.Tx, name string) (core.Stack, core.Desired, error) {
	st, tpls, err := StackAndTemplates(tx, name)
	if err != nil {
		return st, core.Desired{}, err
	}
	d, err := core.Build(st, tpls)
	return st, d, err
}

// PrepareWrite readies st to be stored, as every write of a stack
// does: a key or file its templates mark secret is marked secret whatever
// flag the input gave it (a plain --env of a password), instances and wires
// are sorted, and the rules a stored stack keeps are checked: fields and
// wires, compose fragments, container names unique across stacks, joins.
// had names the instances st had before the edit (nil for a new stack), so
// older data does not block unrelated edits.
func PrepareWrite(tx *store.Tx, st *core.Stack, tpls map[string]core.Template, had map[string]bool) error {
	core.InheritStackSecrecy(st, tpls)
	core.SortStack(st)
	if err := core.ValidateStack(*st, tpls); err != nil {
		return err
	}
	if err := compose.ValidateFragments(*st); err != nil {
		return err
	}
	if err := checkContainerNames(tx, *st, had); err != nil {
		return err
	}
	return CheckJoins(tx, *st, had)
}

// checkContainerNames is core.CheckContainerNames of st against the
// stored stacks' container names (the index).
func checkContainerNames(tx *store.Tx, st core.Stack, had map[string]bool) error {
	return core.CheckContainerNames(st, had, func() (map[string]core.ContainerOwner, error) {
		return ContainerOwners(tx, st)
	})
}
