package daemon

import (
	"maps"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// guardTemplateUsers is core.GuardTemplateUsers over the stored stacks.
func (s *Server) guardTemplateUsers(tx *store.Tx, name string) (map[string]core.WiringGuard, error) {
	stacks, err := tx.ListStacks()
	if err != nil {
		return nil, err
	}
	tpls, err := s.templates(tx)
	if err != nil {
		return nil, err
	}
	return core.GuardTemplateUsers(stacks, name, tpls), nil
}

// checkTemplateUsers is core.CheckTemplateUsers once template name is
// replaced in tx.
func (s *Server) checkTemplateUsers(tx *store.Tx, name string, guards map[string]core.WiringGuard) ([]core.Diagnostic, error) {
	tpls, err := s.templates(tx)
	if err != nil {
		return nil, err
	}
	var after []core.Stack
	for _, stack := range slices.Sorted(maps.Keys(guards)) {
		st, err := getStack(tx, stack)
		if err != nil {
			return nil, err
		}
		after = append(after, st)
	}
	return core.CheckTemplateUsers(name, guards, after, tpls)
}
