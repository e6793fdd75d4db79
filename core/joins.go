package core

// Joined networks. A stack that joins another's network (`stack set C
// --join A`, Stack.JoinNetworks) puts its containers on A's network
// devarch-A-net as well. Compose makes every service's name a DNS alias on
// every network the service is attached to (an explicit, empty aliases list
// does not leave it out), so an instance name two stacks on one network
// share resolves there to the containers of both: C's db would answer A's
// containers asking for db. And a stack on several networks (its own and
// those it joins) resolves names on all of them: if C joins A and B, A's
// and B's db both answer C's containers. So instance names must be unique
// among all the stacks on the networks of any one stack (allNetClashes).
// Such names are refused: when a stack joins a network, is created or
// imported, or gets a new instance (CheckJoins), and at plan
// (CheckNetworkPlan). So are join cycles (C joins A, which joins C,
// directly or through others): neither could be applied first, nor
// destroyed. A joined stack cannot be destroyed while a stack still on its
// network is applied, nor removed while one joins it (JoinersError).

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SharedNetworkRule is the rule a name shared on one network breaks.
const SharedNetworkRule = "instance names must be unique among stacks that share a network " +
	"(a stack and the stacks that join its network), and among all the stacks on the networks one stack's containers are on " +
	"(a stack that joins several networks resolves names on all of them): compose makes each service's name a DNS alias " +
	"on every network the service joins, so the name would resolve to the containers of both stacks"

// JoinCycleRule is the rule a join cycle breaks.
const JoinCycleRule = "a stack cannot join, directly or through other stacks, the network of a stack that joins its own: " +
	"neither could be applied first (each needs the other's network) nor destroyed (each is on the other's network)"

// NetStack is what the network checks know of a stack: its definition's
// and its applied snapshot's instance names and joined stacks (the one is
// what runs after its next apply, the other what runs now).
type NetStack struct {
	Names        map[string]bool // instance names
	Joins        map[string]bool // stacks whose network it joins
	DefJoins     map[string]bool // the definition's joins only
	AppliedJoins map[string]bool // the applied snapshot's joins only
	Applied      bool
	RuntimeKind  string // the applied snapshot's runtime kind
}

// Networks is every stack the network checks know, by name.
type Networks map[string]*NetStack

// NewNetStack is what the network checks know of stack st, with applied
// its applied snapshot (nil when it has none) on runtime kind.
func NewNetStack(st Stack, applied *Desired, kind string) *NetStack {
	ns := defined(st)
	if applied != nil {
		ns.Applied, ns.RuntimeKind = true, kind
		for _, svc := range applied.Services {
			ns.Names[svc.Instance] = true
		}
		for _, j := range applied.JoinNetworks {
			ns.Joins[j] = true
			ns.AppliedJoins[j] = true
		}
	}
	return ns
}

// defined is st's definition as the network checks see it.
func defined(st Stack) *NetStack {
	ns := &NetStack{Names: map[string]bool{}, Joins: map[string]bool{}, DefJoins: map[string]bool{}, AppliedJoins: map[string]bool{}}
	for _, inst := range st.Instances {
		ns.Names[inst.Name] = true
	}
	for _, j := range st.JoinNetworks {
		ns.Joins[j] = true
		ns.DefJoins[j] = true
	}
	return ns
}

// With is all with stack st as defined (its names and joins are the
// definition's only: what it runs after the apply being checked), or
// without it when st is nil. all is not changed.
func (all Networks) With(name string, st *Stack) Networks {
	out := maps.Clone(all)
	if st == nil {
		delete(out, name)
		return out
	}
	ns := defined(*st)
	if old := all[name]; old != nil {
		ns.Applied, ns.RuntimeKind, ns.AppliedJoins = old.Applied, old.RuntimeKind, old.AppliedJoins
	}
	out[name] = ns
	return out
}

// Joiners lists, sorted, the stacks other than name that join name's
// network: those whose definition or applied snapshot joins it (all), and
// those whose applied snapshot does (applied: their containers are on it
// now).
func (all Networks) Joiners(name string) (joiners, applied []string) {
	for _, p := range slices.Sorted(maps.Keys(all)) {
		if p == name || !all[p].Joins[name] {
			continue
		}
		joiners = append(joiners, p)
		if all[p].AppliedJoins[name] {
			applied = append(applied, p)
		}
	}
	return joiners, applied
}

// CheckJoins refuses a change to st (or its creation, when old is nil)
// that joins the network of a stack that does not exist, that makes a join
// cycle through st, or that puts an instance name where a stack's
// containers would resolve it to two stacks (see allNetClashes). Only what
// the change adds is checked: clashes the stored definition old does not
// have, and cycles through a join it does not have; plan reports older
// problems. had names the instances st had before the change. Disabled
// instances count: they keep their name for when they are enabled. load
// reads every stored stack; it is called only when the change adds a join
// or an instance name, or creates the stack.
func CheckJoins(old *Stack, st Stack, had map[string]bool, load func() (Networks, error)) error {
	oldJoins := map[string]bool{}
	if old != nil {
		for _, j := range old.JoinNetworks {
			oldJoins[j] = true
		}
	}
	newJoin := slices.ContainsFunc(st.JoinNetworks, func(j string) bool { return !oldJoins[j] })
	newName := slices.ContainsFunc(st.Instances, func(inst Instance) bool { return !had[inst.Name] })
	if old != nil && !newJoin && !newName {
		return nil
	}
	stored, err := load()
	if err != nil {
		return err
	}
	all := stored.With(st.Name, &st)
	var errs FieldErrors
	joinField := map[string]string{}
	for i, j := range st.JoinNetworks {
		f := fmt.Sprintf("stack.join_networks[%d]", i)
		joinField[j] = f
		if oldJoins[j] || j == st.Name {
			continue
		}
		if all[j] == nil {
			errs = append(errs, &FieldError{Field: f,
				Rule: fmt.Sprintf("stack %q does not exist; a stack can join the network of an existing stack only", j),
				Hint: "devarch stack ls"})
			continue
		}
		if path := joinCycle(all, st.Name, j); path != nil {
			errs = append(errs, &FieldError{Field: f, Rule: cycleMessage(all, path), Hint: cycleHint(st.Name, path)})
		}
	}
	before := map[clashKey]bool{}
	if old != nil {
		for _, c := range allNetClashes(stored.With(st.Name, old)) {
			before[c.key()] = true
		}
	}
	for _, c := range netClashes(st.Name, all) {
		if before[c.key()] {
			continue
		}
		errs = append(errs, &FieldError{Field: clashField(c, st, old == nil, had, oldJoins, joinField),
			Rule: c.message(st.Name), Hint: c.hint(st.Name)})
	}
	return errs.Err()
}

// clashField is the field a new clash c of st is reported on: the new
// instance, or else the first new join (in the stack's order) to the
// networks of the clash.
func clashField(c netClash, st Stack, created bool, had, oldJoins map[string]bool, joinField map[string]string) string {
	if c.a == st.Name && !had[c.instance] {
		return "instances." + c.instance
	}
	// An old name (or other stacks' names): a new join makes it clash.
	for _, j := range st.JoinNetworks {
		if !oldJoins[j] && j != "" && (j == c.network || j == c.netA || j == c.netB) {
			return joinField[j]
		}
	}
	if created {
		return "stack.name" // stacks join the new stack's network
	}
	return "stack.join_networks"
}

// CheckNetworkPlan is the plan's check of st's networks among the stored
// stacks: every stack it joins exists, no join of it makes a cycle, and no
// instance name is resolved by a stack's containers to st and another
// stack, nor by st's containers to two stacks. It returns every stack as
// known, st as defined.
func CheckNetworkPlan(stored Networks, st Stack) (Networks, error) {
	all := stored.With(st.Name, &st)
	var ds []Diagnostic
	for _, j := range st.JoinNetworks {
		if j == st.Name {
			continue
		}
		if all[j] == nil {
			ds = append(ds, Diagnostic{Severity: SeverityError,
				Message: fmt.Sprintf("stack %q joins the network of stack %q, which does not exist", st.Name, j),
				Hint:    fmt.Sprintf("create stack %s and apply it, or leave its network: devarch stack set %s --no-join (or --join with the other stacks only)", j, st.Name),
			})
			continue
		}
		if path := joinCycle(all, st.Name, j); path != nil {
			ds = append(ds, Diagnostic{Severity: SeverityError,
				Message: cycleMessage(all, path), Hint: cycleHint(st.Name, path)})
		}
	}
	for _, c := range netClashes(st.Name, all) {
		ds = append(ds, Diagnostic{Severity: SeverityError, Instance: c.instance,
			Message: c.message(st.Name), Hint: c.hint(st.Name)})
	}
	if len(ds) > 0 {
		return nil, &DiagnosticsError{Diagnostics: ds}
	}
	return all, nil
}

// JoinWarnings are the plan's warnings about the networks st joins, st
// planned on runtime kind: one that exists only once its stack is applied,
// or on another runtime.
func JoinWarnings(st Stack, all Networks, kind string) []string {
	var out []string
	for _, j := range slices.Sorted(slices.Values(st.JoinNetworks)) {
		ns := all[j]
		switch {
		case ns == nil || j == st.Name:
		case !ns.Applied:
			out = append(out, fmt.Sprintf("stack %s joins the network %s of stack %s, which is not applied: the network exists once it is (devarch apply %s)",
				st.Name, NetworkName(j), j, j))
		case ns.RuntimeKind != "" && kind != "" && ns.RuntimeKind != kind:
			out = append(out, fmt.Sprintf("stack %s joins the network %s of stack %s, which runs on %s, not %s: the network is not there",
				st.Name, NetworkName(j), j, ns.RuntimeKind, kind))
		}
	}
	return out
}

// JoinersError refuses what would take stack name's network (destroy) or
// definition (stack rm, destroy --purge) from under joiners, the stacks
// that join it; why ends the message. The hint takes the first joiner off
// the network (and, when applied says its containers are on it, applies
// that) or destroys it.
func JoinersError(name, what string, joiners []string, why string, applied bool) error {
	quoted := make([]string, len(joiners))
	for i, j := range joiners {
		quoted[i] = fmt.Sprintf("%q", j)
	}
	who := "stack " + quoted[0] + " joins"
	if len(joiners) > 1 {
		who = "stacks " + strings.Join(quoted, ", ") + " join"
	}
	j := joiners[0]
	hint := fmt.Sprintf("take stack %s off the network first: devarch stack set %s --no-join (or --join with the other stacks only)", j, j)
	if applied {
		hint += fmt.Sprintf(", then devarch apply %s; or devarch destroy %s first", j, j)
	} else {
		hint += fmt.Sprintf("; or remove it: devarch stack rm %s", j)
	}
	return &ConflictError{Hint: hint,
		Msg: fmt.Sprintf("cannot %s stack %q: %s its network %s%s", what, name, who, NetworkName(name), why)}
}
