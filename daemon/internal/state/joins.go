package state

// The join rules (core/joins.go) over the store's index of the join graph
// (store/index.go): only the stacks connected to the one checked through
// joins are read, whatever the number of stacks in the home.

import (
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// netStack is what the network checks know of a stack, from its index
// record: core.NewNetStack of its definition and applied snapshot.
func netStack(ix store.StackIndex) *core.NetStack {
	ns := &core.NetStack{Names: map[string]bool{}, Joins: map[string]bool{}, DefJoins: map[string]bool{}, AppliedJoins: map[string]bool{},
		Applied: ix.Applied, RuntimeKind: ix.RuntimeKind}
	for _, n := range slices.Concat(ix.Names, ix.AppliedNames) {
		ns.Names[n] = true
	}
	for _, j := range ix.Joins {
		ns.Joins[j], ns.DefJoins[j] = true, true
	}
	for _, j := range ix.AppliedJoins {
		ns.Joins[j], ns.AppliedJoins[j] = true, true
	}
	return ns
}

// NetworksAround reads the stacks (with a definition) connected to roots
// through joins, either way: every stack whose names or joins a check of
// the networks of the roots can depend on (a clash or a join cycle
// involving a stack involves only stacks connected to it). The roots'
// joiners are followed even when a root has no definition yet (a stack
// being created that others already name).
func NetworksAround(tx *store.Tx, roots ...string) (core.Networks, error) {
	out := core.Networks{}
	seen := map[string]bool{}
	isRoot := map[string]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		ix, ok, err := tx.GetStackIndex(p)
		if err != nil {
			return nil, err
		}
		defined := ok && ix.Defined
		if defined {
			out[p] = netStack(ix)
			queue = append(queue, ix.Joins...)
			queue = append(queue, ix.AppliedJoins...)
		}
		if defined || isRoot[p] {
			joiners, err := tx.Joiners(p)
			if err != nil {
				return nil, err
			}
			queue = append(queue, joiners...)
		}
	}
	return out, nil
}

// roots are the stacks a check of st (stored as old, when it is) starts
// from: st and the stacks either definition joins.
func roots(st core.Stack, old *core.Stack) []string {
	out := append([]string{st.Name}, st.JoinNetworks...)
	if old != nil {
		out = append(out, old.JoinNetworks...)
	}
	return out
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
	return core.CheckJoins(old, st, had, func() (core.Networks, error) { return NetworksAround(tx, roots(st, old)...) })
}

// CheckNetworkPlan is core.CheckNetworkPlan of st against the store.
func CheckNetworkPlan(tx *store.Tx, st core.Stack) (core.Networks, error) {
	stored, err := NetworksAround(tx, roots(st, nil)...)
	if err != nil {
		return nil, err
	}
	return core.CheckNetworkPlan(stored, st)
}

// Joiners lists the stacks other than name that join name's network
// (see core.Networks.Joiners).
func Joiners(tx *store.Tx, name string) (all, applied []string, err error) {
	joiners, err := tx.Joiners(name)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range joiners {
		if p == name {
			continue
		}
		ix, ok, err := tx.GetStackIndex(p)
		if err != nil {
			return nil, nil, err
		}
		if !ok || !ix.Defined {
			continue
		}
		all = append(all, p)
		if slices.Contains(ix.AppliedJoins, name) {
			applied = append(applied, p)
		}
	}
	return all, applied, nil
}
