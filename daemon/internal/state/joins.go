package state

// The join rules (core/joins.go) over the stored stacks.

import (
	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// Networks reads every stack's definition and applied snapshot.
func Networks(tx *store.Tx) (core.Networks, error) {
	stacks, err := tx.ListStacks()
	if err != nil {
		return nil, err
	}
	out := make(core.Networks, len(stacks))
	for _, st := range stacks {
		ap, err := tx.GetApplied(st.Name)
		switch {
		case err == nil:
			kind := ""
			switch b, err := tx.GetBinding(st.Name); {
			case err == nil:
				kind = b.Kind
			case !store.IsNotFound(err):
				return nil, err
			}
			out[st.Name] = core.NewNetStack(st, &ap.Desired, kind)
		case store.IsNotFound(err):
			out[st.Name] = core.NewNetStack(st, nil, "")
		default:
			return nil, err
		}
	}
	return out, nil
}

// CheckJoins is core.CheckJoins of a change to st against the store.
func CheckJoins(tx *store.Tx, st core.Stack, had map[string]bool) error {
	var old *core.Stack
	switch o, err := tx.GetStack(st.Name); {
	case err == nil:
		old = &o
	case !store.IsNotFound(err):
		return err
	}
	return core.CheckJoins(old, st, had, func() (core.Networks, error) { return Networks(tx) })
}

// CheckNetworkPlan is core.CheckNetworkPlan of st against the store.
func CheckNetworkPlan(tx *store.Tx, st core.Stack) (core.Networks, error) {
	stored, err := Networks(tx)
	if err != nil {
		return nil, err
	}
	return core.CheckNetworkPlan(stored, st)
}

// Joiners lists the stacks other than name that join name's network
// (see core.Networks.Joiners).
func Joiners(tx *store.Tx, name string) (all, applied []string, err error) {
	stacks, err := Networks(tx)
	if err != nil {
		return nil, nil, err
	}
	all, applied = stacks.Joiners(name)
	return all, applied, nil
}
