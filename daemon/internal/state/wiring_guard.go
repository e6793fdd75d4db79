package state

import (
	"maps"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// GuardTemplateUsers is core.GuardTemplateUsers over the stored stacks.
func GuardTemplateUsers(tx *store.Tx, name string) (map[string]core.WiringGuard, error) {
	stacks, err := tx.ListStacks()
	if err != nil {
		return nil, err
	}
	tpls, err := Templates(tx)
	if err != nil {
		return nil, err
	}
	return core.GuardTemplateUsers(stacks, name, tpls), nil
}

// CheckTemplateUsers is core.CheckTemplateUsers once template name is
// replaced in tx.
func CheckTemplateUsers(tx *store.Tx, name string, guards map[string]core.WiringGuard) ([]core.Diagnostic, error) {
	tpls, err := Templates(tx)
	if err != nil {
		return nil, err
	}
	var after []core.Stack
	for _, stack := range slices.Sorted(maps.Keys(guards)) {
		st, err := Stack(tx, stack)
		if err != nil {
			return nil, err
		}
		after = append(after, st)
	}
	return core.CheckTemplateUsers(name, guards, after, tpls)
}
