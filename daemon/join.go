package daemon

// Joined networks. A stack that joins another's network (`stack set C
// --join A`, core.Stack.JoinNetworks) puts its containers on A's network
// devarch-A-net as well. Compose makes every service's name a DNS alias on
// every network the service is attached to (an explicit, empty aliases list
// does not leave it out), so an instance name two stacks on one network
// share resolves there to the containers of both: C's db would answer A's
// containers asking for db. And a stack on several networks (its own and
// those it joins) resolves names on all of them: if C joins A and B, A's
// and B's db both answer C's containers. So instance names must be unique
// among all the stacks on the networks of any one stack (allNetClashes).
// Such names are refused: when a stack joins a network, is created or
// imported, or gets a new instance (checkJoins), and at plan
// (checkNetworkPlan). So are join cycles (C joins A, which joins C,
// directly or through others): neither could be applied first, nor
// destroyed. A joined stack cannot be destroyed while a stack still on its
// network is applied, nor removed while one joins it (joinersError).

import (
	"cmp"
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
	"(a stack and the stacks that join its network), and among all the stacks on the networks one stack's containers are on " +
	"(a stack that joins several networks resolves names on all of them): compose makes each service's name a DNS alias " +
	"on every network the service joins, so the name would resolve to the containers of both stacks"

// joinCycleRule is the rule a join cycle breaks.
const joinCycleRule = "a stack cannot join, directly or through other stacks, the network of a stack that joins its own: " +
	"neither could be applied first (each needs the other's network) nor destroyed (each is on the other's network)"

// netStack is what the network checks know of a stack: its definition's
// and its applied snapshot's instance names and joined stacks (the one is
// what runs after its next apply, the other what runs now).
type netStack struct {
	defined      bool            // the stack has a definition
	names        map[string]bool // instance names
	joins        map[string]bool // stacks whose network it joins
	defJoins     map[string]bool // the definition's joins only
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
		ns := &netStack{defined: true, names: map[string]bool{}, joins: map[string]bool{},
			defJoins: map[string]bool{}, appliedJoins: map[string]bool{}}
		for _, inst := range st.Instances {
			ns.names[inst.Name] = true
		}
		for _, j := range st.JoinNetworks {
			ns.joins[j] = true
			ns.defJoins[j] = true
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

// withStack is all with stack st as defined (its names and joins are the
// definition's only: what it runs after the apply being checked), or
// without it when st is nil. all is not changed.
func withStack(all map[string]*netStack, name string, st *core.Stack) map[string]*netStack {
	out := maps.Clone(all)
	if st == nil {
		delete(out, name)
		return out
	}
	ns := &netStack{defined: true, names: map[string]bool{}, joins: map[string]bool{}, defJoins: map[string]bool{}, appliedJoins: map[string]bool{}}
	if old := all[name]; old != nil {
		ns.applied, ns.runtimeKind, ns.appliedJoins = old.applied, old.runtimeKind, old.appliedJoins
	}
	for _, inst := range st.Instances {
		ns.names[inst.Name] = true
	}
	for _, j := range st.JoinNetworks {
		ns.joins[j] = true
		ns.defJoins[j] = true
	}
	out[name] = ns
	return out
}

// netsOf lists, sorted, the networks stack p's containers are on: its own
// and those of the existing stacks it joins.
func netsOf(all map[string]*netStack, p string) []string {
	out := []string{p}
	for j := range all[p].joins {
		if j != p && all[j] != nil {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

// netClash is an instance name two stacks a and b have while one stack's
// containers resolve names on a network of each (a DNS alias of both).
type netClash struct {
	instance string
	a, b     string // the stacks with an instance of that name
	network  string // a network both are on; "" when they are on different ones
	// When network is "": the stack on both networks, and the networks a
	// and b are on.
	viewer, netA, netB string
}

// clashKey identifies a clash whatever its explanation: the instance and
// the two stacks, in order.
type clashKey struct{ instance, a, b string }

func (c netClash) key() clashKey {
	a, b := c.a, c.b
	if b < a {
		a, b = b, a
	}
	return clashKey{c.instance, a, b}
}

// involves reports whether stack is one of the two stacks, or the one on
// both their networks.
func (c netClash) involves(stack string) bool {
	return c.a == stack || c.b == stack || (c.network == "" && c.viewer == stack)
}

// allNetClashes lists every clash among all: for each stack (the viewer),
// the stacks on the networks its containers are on (its own network and
// those it joins, each with its owner and the stacks that join it) must
// have distinct instance names. One clash per instance and pair of stacks,
// explained by a network both are on when there is one; in a stable order.
func allNetClashes(all map[string]*netStack) []netClash {
	members := map[string][]string{} // network -> the stacks on it, sorted
	for _, p := range slices.Sorted(maps.Keys(all)) {
		for _, n := range netsOf(all, p) {
			members[n] = append(members[n], p)
		}
	}
	found := map[clashKey]netClash{}
	for _, v := range slices.Sorted(maps.Keys(all)) {
		type on struct{ stack, network string }
		byName := map[string][]on{}
		seen := map[string]bool{}
		for _, n := range netsOf(all, v) {
			for _, p := range members[n] {
				if seen[p] {
					continue
				}
				seen[p] = true
				for name := range all[p].names {
					byName[name] = append(byName[name], on{p, n})
				}
			}
		}
		for name, ons := range byName {
			for i := range ons {
				for _, o := range ons[i+1:] {
					c := netClash{instance: name, a: ons[i].stack, b: o.stack}
					if _, ok := found[c.key()]; ok {
						continue
					}
					if shared := sharedNet(all, c.a, c.b); shared != "" {
						c.network = shared
					} else {
						c.viewer, c.netA, c.netB = v, ons[i].network, o.network
					}
					found[c.key()] = c
				}
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(found), func(x, y clashKey) int {
		return cmp.Or(cmp.Compare(x.instance, y.instance), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	out := make([]netClash, len(keys))
	for i, k := range keys {
		out[i] = found[k]
	}
	return out
}

// sharedNet is the first network (sorted) stacks a and b are both on, or "".
func sharedNet(all map[string]*netStack, a, b string) string {
	nb := netsOf(all, b)
	for _, n := range netsOf(all, a) {
		if slices.Contains(nb, n) {
			return n
		}
	}
	return ""
}

// netClashes lists the clashes that involve stack (one of the two stacks,
// or the one on both networks), seen from stack: when it is one of the
// two, it is c.a.
func netClashes(stack string, all map[string]*netStack) []netClash {
	var out []netClash
	for _, c := range allNetClashes(all) {
		if !c.involves(stack) {
			continue
		}
		if c.b == stack {
			c.a, c.b, c.netA, c.netB = c.b, c.a, c.netB, c.netA
		}
		out = append(out, c)
	}
	return out
}

// onNet says how stack p is on network n.
func onNet(p, n string) string {
	if p == n {
		return "its own network"
	}
	return fmt.Sprintf("it joins the network of stack %q", n)
}

// message says which stacks share instance c.instance on which network(s),
// and the rule; stack is the stack checked.
func (c netClash) message(stack string) string {
	head := fmt.Sprintf("instance %q of stack %q: stack %q has an instance %q too", c.instance, c.a, c.b, c.instance)
	if c.a != stack {
		head = fmt.Sprintf("instance %q: stacks %q and %q both have an instance %q", c.instance, c.a, c.b, c.instance)
	}
	if c.network == "" {
		return fmt.Sprintf("%s; stack %q is on network %s (%s) and stack %q on network %s (%s), and stack %q is on both networks "+
			"(%s; %s), so from its containers %q would resolve to the containers of both; %s",
			head, c.a, core.NetworkName(c.netA), onNet(c.a, c.netA), c.b, core.NetworkName(c.netB), onNet(c.b, c.netB),
			c.viewer, onNet(c.viewer, c.netA), onNet(c.viewer, c.netB), c.instance, sharedNetworkRule)
	}
	var how string
	switch c.network {
	case c.a:
		how = fmt.Sprintf("stack %q joins the network of stack %q", c.b, c.a)
	case c.b:
		how = fmt.Sprintf("stack %q joins the network of stack %q", c.a, c.b)
	default:
		how = fmt.Sprintf("stacks %q and %q both join the network of stack %q", c.a, c.b, c.network)
	}
	return fmt.Sprintf("%s, and both are on network %s (%s); %s", head, core.NetworkName(c.network), how, sharedNetworkRule)
}

// joiner is the stack whose join puts the two on one network (for a shared
// network: the one that is not its owner, stack when both join it; else
// the stack on both networks), and the network it would leave.
func (c netClash) joiner(stack string) (who, network string) {
	switch {
	case c.network == "":
		if c.netA != c.viewer {
			return c.viewer, c.netA
		}
		return c.viewer, c.netB
	case c.network == c.a:
		return c.b, c.network
	case c.network == c.b || c.a == stack:
		return c.a, c.network
	}
	return c.b, c.network
}

// hint names the two ways out: rename, or leave the network.
func (c netClash) hint(stack string) string {
	j, _ := c.joiner(stack)
	return fmt.Sprintf("rename one of them (devarch instance rename %s %s NEW_NAME), or take stack %s off the network "+
		"(devarch stack set %s --no-join, or --join with the other stacks only)", c.a, c.instance, j, j)
}

// joinCycle is a path of joins from stack from back to it: from joins
// path[1], which joins path[2], ..., which joins from (path[0] == from,
// the last element is from again). nil when there is none through the
// join of from to first.
func joinCycle(all map[string]*netStack, from, first string) []string {
	if first == from || all[first] == nil {
		return nil
	}
	parent := map[string]string{first: from}
	queue := []string{first}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, j := range slices.Sorted(maps.Keys(all[p].joins)) {
			if j == p || all[j] == nil {
				continue
			}
			if j == from {
				path := []string{from}
				for q := p; q != from; q = parent[q] {
					path = append(path, q)
				}
				slices.Reverse(path[1:])
				return append(path, from)
			}
			if _, ok := parent[j]; !ok {
				parent[j] = p
				queue = append(queue, j)
			}
		}
	}
	return nil
}

// cycleMessage names the join cycle path and the rule.
func cycleMessage(all map[string]*netStack, path []string) string {
	var steps []string
	for i := 0; i+1 < len(path); i++ {
		p, q := path[i], path[i+1]
		step := fmt.Sprintf("stack %q joins the network of stack %q", p, q)
		if ns := all[p]; ns != nil && !ns.defJoins[q] && ns.appliedJoins[q] {
			step += fmt.Sprintf(" (its applied containers do: devarch apply %s once it no longer does)", p)
		}
		steps = append(steps, step)
	}
	return fmt.Sprintf("join cycle %s: %s; %s", strings.Join(path, " -> "), strings.Join(steps, ", "), joinCycleRule)
}

// cycleHint takes stack's join to the first stack of the cycle away.
func cycleHint(stack string, path []string) string {
	return fmt.Sprintf("leave the network of stack %s: devarch stack set %s --no-join (or --join with the other stacks only); "+
		"or take stack %s off the network of stack %s first", path[1], stack, path[len(path)-2], stack)
}

// checkJoins refuses a change to st (or its creation) that joins the
// network of a stack that does not exist, that makes a join cycle through
// st, or that puts an instance name where a stack's containers would
// resolve it to two stacks (see allNetClashes). Only what the change adds
// is checked: clashes the stored definition does not have, and cycles
// through a join it does not have; plan reports older problems. Disabled
// instances count: they keep their name for when they are enabled.
func checkJoins(tx *store.Tx, st core.Stack, had map[string]bool) error {
	oldJoins := map[string]bool{}
	var old *core.Stack
	switch o, err := tx.GetStack(st.Name); {
	case err == nil:
		old = &o
		for _, j := range o.JoinNetworks {
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
	if old != nil && !newJoin && !newName {
		return nil
	}
	stored, err := loadNetStacks(tx)
	if err != nil {
		return err
	}
	all := withStack(stored, st.Name, &st)
	var errs core.FieldErrors
	joinField := map[string]string{}
	for i, j := range st.JoinNetworks {
		f := fmt.Sprintf("stack.join_networks[%d]", i)
		joinField[j] = f
		if oldJoins[j] || j == st.Name {
			continue
		}
		if all[j] == nil || !all[j].defined {
			errs = append(errs, &core.FieldError{Field: f,
				Rule: fmt.Sprintf("stack %q does not exist; a stack can join the network of an existing stack only", j),
				Hint: "devarch stack ls"})
			continue
		}
		if path := joinCycle(all, st.Name, j); path != nil {
			errs = append(errs, &core.FieldError{Field: f, Rule: cycleMessage(all, path), Hint: cycleHint(st.Name, path)})
		}
	}
	before := map[clashKey]bool{}
	if old != nil {
		for _, c := range allNetClashes(withStack(stored, st.Name, old)) {
			before[c.key()] = true
		}
	}
	for _, c := range netClashes(st.Name, all) {
		if before[c.key()] {
			continue
		}
		field := ""
		if c.a == st.Name && !had[c.instance] {
			field = "instances." + c.instance
		} else {
			// An old name (or other stacks' names): a new join makes it
			// clash, the first (in the stack's order) of those to the
			// networks of the clash.
			for _, j := range st.JoinNetworks {
				if !oldJoins[j] && j != "" && (j == c.network || j == c.netA || j == c.netB) {
					field = joinField[j]
					break
				}
			}
			if field == "" {
				field = "stack.join_networks"
				if old == nil {
					field = "stack.name" // stacks join the new stack's network
				}
			}
		}
		errs = append(errs, &core.FieldError{Field: field, Rule: c.message(st.Name), Hint: c.hint(st.Name)})
	}
	return errs.Err()
}

// checkNetworkPlan is the plan's check of st's networks: every stack it
// joins exists, no join of it makes a cycle, and no instance name is
// resolved by a stack's containers to st and another stack, nor by st's
// containers to two stacks. It returns every stack as known, st as
// defined.
func checkNetworkPlan(tx *store.Tx, st core.Stack) (map[string]*netStack, error) {
	stored, err := loadNetStacks(tx)
	if err != nil {
		return nil, err
	}
	all := withStack(stored, st.Name, &st)
	var ds []core.Diagnostic
	for _, j := range st.JoinNetworks {
		if j == st.Name {
			continue
		}
		if all[j] == nil || !all[j].defined {
			ds = append(ds, core.Diagnostic{Severity: core.SeverityError,
				Message: fmt.Sprintf("stack %q joins the network of stack %q, which does not exist", st.Name, j),
				Hint:    fmt.Sprintf("create stack %s and apply it, or leave its network: devarch stack set %s --no-join (or --join with the other stacks only)", j, st.Name),
			})
			continue
		}
		if path := joinCycle(all, st.Name, j); path != nil {
			ds = append(ds, core.Diagnostic{Severity: core.SeverityError,
				Message: cycleMessage(all, path), Hint: cycleHint(st.Name, path)})
		}
	}
	for _, c := range netClashes(st.Name, all) {
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
