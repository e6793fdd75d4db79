package core

// Instance names on shared networks, and join cycles: the rules
// CheckJoins and CheckNetworkPlan (joins.go) apply.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// netsOf lists, sorted, the networks stack p's containers are on: its own
// and those of the existing stacks it joins.
func netsOf(all Networks, p string) []string {
	out := []string{p}
	for j := range all[p].Joins {
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
func allNetClashes(all Networks) []netClash {
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
				for name := range all[p].Names {
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
func sharedNet(all Networks, a, b string) string {
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
func netClashes(stack string, all Networks) []netClash {
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
			head, c.a, NetworkName(c.netA), onNet(c.a, c.netA), c.b, NetworkName(c.netB), onNet(c.b, c.netB),
			c.viewer, onNet(c.viewer, c.netA), onNet(c.viewer, c.netB), c.instance, SharedNetworkRule)
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
	return fmt.Sprintf("%s, and both are on network %s (%s); %s", head, NetworkName(c.network), how, SharedNetworkRule)
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
func joinCycle(all Networks, from, first string) []string {
	if first == from || all[first] == nil {
		return nil
	}
	parent := map[string]string{first: from}
	queue := []string{first}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, j := range slices.Sorted(maps.Keys(all[p].Joins)) {
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
func cycleMessage(all Networks, path []string) string {
	var steps []string
	for i := 0; i+1 < len(path); i++ {
		p, q := path[i], path[i+1]
		step := fmt.Sprintf("stack %q joins the network of stack %q", p, q)
		if ns := all[p]; ns != nil && !ns.DefJoins[q] && ns.AppliedJoins[q] {
			step += fmt.Sprintf(" (its applied containers do: devarch apply %s once it no longer does)", p)
		}
		steps = append(steps, step)
	}
	return fmt.Sprintf("join cycle %s: %s; %s", strings.Join(path, " -> "), strings.Join(steps, ", "), JoinCycleRule)
}

// cycleHint takes stack's join to the first stack of the cycle away.
func cycleHint(stack string, path []string) string {
	return fmt.Sprintf("leave the network of stack %s: devarch stack set %s --no-join (or --join with the other stacks only); "+
		"or take stack %s off the network of stack %s first", path[1], stack, path[len(path)-2], stack)
}
