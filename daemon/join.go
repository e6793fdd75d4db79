package daemon

// Joined networks. A stack that joins another's network (`stack set C
// --join A`, core.Stack.JoinNetworks) puts its containers on A's network
// devarch-A-net as well. Compose makes every service's name a DNS alias on
// every network the service is attached to (an explicit, empty aliases list
// does not leave it out), so an instance name two stacks on one network
// share resolves there to the containers of both: C's db would answer A's
// containers asking for db. Such names are refused: when a stack joins a
// network or gets a new instance (checkJoins), and at plan
// (checkNetworkPlan). A joined stack cannot be destroyed while a stack
// still on its network is applied, nor removed while one joins it
// (joinersError).

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// sharedNetworkRule is the rule a name shared on one network breaks.
const sharedNetworkRule = "instance names must be unique among stacks that share a network " +
	"(a stack and the stacks that join its network): compose makes each service's name a DNS alias " +
	"on every network the service joins, so the name would resolve to the containers of both stacks"

// netStack is what the network checks know of a stack: its definition's
// and its applied snapshot's instance names and joined stacks (the one is
// what runs after its next apply, the other what runs now).
type netStack struct {
	defined      bool            // the stack has a definition
	names        map[string]bool // instance names
	joins        map[string]bool // stacks whose network it joins
	appliedJoins map[string]bool // the applied snapshot's joins only
	applied      bool
	runtimeKind  string // the applied snapshot's runtime kind
}

// loadNetStacks reads every stack's definition and applied snapshot.
func loadNetStacks(tx *store.Tx) (map[string]*netStack, error) {
	stacks, err := tx.ListStacks()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*netStack, len(stacks))
	for _, st := range stacks {
		ns := &netStack{defined: true, names: map[string]bool{}, joins: map[string]bool{}, appliedJoins: map[string]bool{}}
		for _, inst := range st.Instances {
			ns.names[inst.Name] = true
		}
		for _, j := range st.JoinNetworks {
			ns.joins[j] = true
		}
		ap, err := tx.GetApplied(st.Name)
		switch {
		case err == nil:
			ns.applied, ns.runtimeKind = true, ap.Runtime.Kind
			for _, svc := range ap.Desired.Services {
				ns.names[svc.Instance] = true
			}
			for _, j := range ap.Desired.JoinNetworks {
				ns.joins[j] = true
				ns.appliedJoins[j] = true
			}
		case !store.IsNotFound(err):
			return nil, err
		}
		out[st.Name] = ns
	}
	return out, nil
}

// netClash is an instance name stack and another stack on one network share.
type netClash struct {
	instance string
	other    string // the other stack with an instance of that name
	network  string // the stack whose network both are on
}

// netClashes lists the instance names st (as defined now) shares with a
// stack on one of its networks: a stack that joins st's network, a stack
// whose network st joins, and another stack that joins that network too.
// One clash per instance and other stack, in a stable order.
func netClashes(st core.Stack, all map[string]*netStack) []netClash {
	type peer struct{ stack, network string }
	var peers []peer
	for _, p := range slices.Sorted(maps.Keys(all)) {
		if p != st.Name && all[p].joins[st.Name] {
			peers = append(peers, peer{p, st.Name})
		}
	}
	for _, x := range slices.Sorted(slices.Values(st.JoinNetworks)) {
		if x == st.Name || all[x] == nil {
			continue
		}
		peers = append(peers, peer{x, x})
		for _, p := range slices.Sorted(maps.Keys(all)) {
			if p != st.Name && p != x && all[p].joins[x] {
				peers = append(peers, peer{p, x})
			}
		}
	}
	var out []netClash
	seen := map[[2]string]bool{}
	for _, inst := range st.Instances {
		for _, p := range peers {
			key := [2]string{inst.Name, p.stack}
			if seen[key] || !all[p.stack].names[inst.Name] {
				continue
			}
			seen[key] = true
			out = append(out, netClash{instance: inst.Name, other: p.stack, network: p.network})
		}
	}
	return out
}

// joiner is the stack of the two whose join puts them on c's network.
func (c netClash) joiner(stack string) string {
	if c.network == stack {
		return c.other
	}
	return stack
}

// message says which stacks share instance c.instance on which network, and the rule.
func (c netClash) message(stack string) string {
	var how string
	switch c.network {
	case stack:
		how = fmt.Sprintf("stack %q joins the network of stack %q", c.other, stack)
	case c.other:
		how = fmt.Sprintf("stack %q joins the network of stack %q", stack, c.other)
	default:
		how = fmt.Sprintf("stacks %q and %q both join the network of stack %q", stack, c.other, c.network)
	}
	return fmt.Sprintf("instance %q of stack %q: stack %q has an instance %q too, and both are on network %s (%s); %s",
		c.instance, stack, c.other, c.instance, core.NetworkName(c.network), how, sharedNetworkRule)
}

// hint names the two ways out: rename, or leave the network.
func (c netClash) hint(stack string) string {
	j := c.joiner(stack)
	return fmt.Sprintf("rename one of them (devarch instance rename %s %s NEW_NAME), or take stack %s off the network "+
		"(devarch stack set %s --no-join, or --join with the other stacks only)", stack, c.instance, j, j)
}

// checkJoins refuses a change to st (or its creation) that joins the
// network of a stack that does not exist, or that puts an instance name on
// a network where another stack has it (see netClashes). Only what the
// change adds is checked: instances not in had, and joins the stored
// definition does not have; plan reports older problems. Disabled
// instances count: they keep their name for when they are enabled.
func checkJoins(tx *store.Tx, st core.Stack, had map[string]bool) error {
	oldJoins := map[string]bool{}
	switch old, err := tx.GetStack(st.Name); {
	case err == nil:
		for _, j := range old.JoinNetworks {
			oldJoins[j] = true
		}
	case !store.IsNotFound(err):
		return err
	}
	newJoin := false
	for _, j := range st.JoinNetworks {
		newJoin = newJoin || !oldJoins[j]
	}
	newName := slices.ContainsFunc(st.Instances, func(inst core.Instance) bool { return !had[inst.Name] })
	if !newJoin && !newName {
		return nil
	}
	all, err := loadNetStacks(tx)
	if err != nil {
		return err
	}
	var errs core.FieldErrors
	joinField := map[string]string{}
	for i, j := range st.JoinNetworks {
		f := fmt.Sprintf("stack.join_networks[%d]", i)
		joinField[j] = f
		if !oldJoins[j] && j != st.Name && (all[j] == nil || !all[j].defined) {
			errs = append(errs, &core.FieldError{Field: f,
				Rule: fmt.Sprintf("stack %q does not exist; a stack can join the network of an existing stack only", j),
				Hint: "devarch stack ls"})
		}
	}
	for _, c := range netClashes(st, all) {
		field := "instances." + c.instance
		if had[c.instance] {
			// An old name: only a new join makes it clash.
			if c.network == st.Name || oldJoins[c.network] {
				continue
			}
			field = joinField[c.network]
		}
		errs = append(errs, &core.FieldError{Field: field, Rule: c.message(st.Name), Hint: c.hint(st.Name)})
	}
	return errs.Err()
}

// checkNetworkPlan is the plan's check of st's networks: every stack it
// joins exists, and no instance name of st is on one network with a
// namesake of another stack. It returns the stacks st joins, as known.
func checkNetworkPlan(tx *store.Tx, st core.Stack) (map[string]*netStack, error) {
	all, err := loadNetStacks(tx)
	if err != nil {
		return nil, err
	}
	var ds []core.Diagnostic
	for _, j := range st.JoinNetworks {
		if j != st.Name && (all[j] == nil || !all[j].defined) {
			ds = append(ds, core.Diagnostic{Severity: core.SeverityError,
				Message: fmt.Sprintf("stack %q joins the network of stack %q, which does not exist", st.Name, j),
				Hint:    fmt.Sprintf("create stack %s and apply it, or leave its network: devarch stack set %s --no-join (or --join with the other stacks only)", j, st.Name),
			})
		}
	}
	for _, c := range netClashes(st, all) {
		ds = append(ds, core.Diagnostic{Severity: core.SeverityError, Instance: c.instance,
			Message: c.message(st.Name), Hint: c.hint(st.Name)})
	}
	if len(ds) > 0 {
		return nil, &core.DiagnosticsError{Diagnostics: ds}
	}
	return all, nil
}

// joinWarnings are the plan's warnings about the networks st joins: one
// that exists only once its stack is applied, or on another runtime.
func joinWarnings(st core.Stack, all map[string]*netStack, kind string) []string {
	var out []string
	for _, j := range slices.Sorted(slices.Values(st.JoinNetworks)) {
		ns := all[j]
		switch {
		case ns == nil || j == st.Name:
		case !ns.applied:
			out = append(out, fmt.Sprintf("stack %s joins the network %s of stack %s, which is not applied: the network exists once it is (devarch apply %s)",
				st.Name, core.NetworkName(j), j, j))
		case ns.runtimeKind != "" && kind != "" && ns.runtimeKind != kind:
			out = append(out, fmt.Sprintf("stack %s joins the network %s of stack %s, which runs on %s, not %s: the network is not there",
				st.Name, core.NetworkName(j), j, ns.runtimeKind, kind))
		}
	}
	return out
}

// joinersOf lists the stacks other than name that join name's network:
// those whose definition or applied snapshot joins it (all), and those
// whose applied snapshot does (applied: their containers are on it now).
func joinersOf(tx *store.Tx, name string) (all, applied []string, err error) {
	stacks, err := loadNetStacks(tx)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range slices.Sorted(maps.Keys(stacks)) {
		if p == name || !stacks[p].joins[name] {
			continue
		}
		all = append(all, p)
		if stacks[p].appliedJoins[name] {
			applied = append(applied, p)
		}
	}
	return all, applied, nil
}

// joinersError refuses what would take stack name's network (destroy) or
// definition (stack rm, destroy --purge) from under joiners, the stacks
// that join it; why ends the message. The hint takes the first joiner off
// the network (and, when its containers are on it, applies that) or
// destroys it.
func joinersError(name, what string, joiners []string, why string, applied bool) error {
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
	return errorf(api.CodeConflict, hint, "cannot %s stack %q: %s its network %s%s", what, name, who, core.NetworkName(name), why)
}
