package core

import (
	"errors"
	"slices"
	"strings"
)

// Order returns the topological startup order of the enabled services:
// every provider (wired or declared in depends_on) before its consumers, ties broken by instance name. Wires
// that touch a disabled or unknown instance are ignored. A cycle is an error
// that prints it: "wiring cycle: a -> b -> a".
func Order(services []Service, wires []ResolvedWire) ([]string, error) {
	nodes := enabledNames(services)
	edges := wireEdges(wires)
	for _, s := range services {
		for name := range s.Needs {
			if name != s.Instance && !slices.Contains(edges[s.Instance], name) {
				edges[s.Instance] = append(edges[s.Instance], name)
			}
		}
		slices.Sort(edges[s.Instance])
	}
	in := map[string]bool{}
	for _, n := range nodes {
		in[n] = true
	}
	pending := map[string]int{}         // consumer -> providers not yet started
	dependents := map[string][]string{} // provider -> consumers
	for _, c := range nodes {
		for _, p := range edges[c] {
			if !in[p] {
				continue
			}
			pending[c]++
			dependents[p] = append(dependents[p], c)
		}
	}
	var ready []string
	for _, n := range nodes {
		if pending[n] == 0 {
			ready = append(ready, n)
		}
	}
	order := make([]string, 0, len(nodes))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, c := range dependents[n] {
			if pending[c]--; pending[c] == 0 {
				i, _ := slices.BinarySearch(ready, c)
				ready = slices.Insert(ready, i, c)
			}
		}
	}
	if len(order) < len(nodes) {
		var msgs []string
		for _, c := range findCycles(nodes, edges) {
			msgs = append(msgs, "wiring cycle: "+strings.Join(c, " -> "))
		}
		return order, errors.New(strings.Join(msgs, "; "))
	}
	return order, nil
}

// findCycles returns one cycle per strongly connected component of the
// graph that has one, each starting and ending at the component's smallest
// node ("a", "b", "a"), sorted by that node. edges maps a node to the nodes
// it depends on; edges to nodes outside nodes are ignored.
func findCycles(nodes []string, edges map[string][]string) [][]string {
	t := tarjan{edges: edges, index: map[string]int{}, low: map[string]int{}, onStack: map[string]bool{}, known: map[string]bool{}}
	for _, n := range nodes {
		t.known[n] = true
	}
	for _, n := range nodes {
		if _, seen := t.index[n]; !seen {
			t.visit(n)
		}
	}
	var cycles [][]string
	for _, scc := range t.sccs {
		slices.Sort(scc)
		start := scc[0]
		if len(scc) == 1 && !slices.Contains(edges[start], start) {
			continue
		}
		cycles = append(cycles, shortestCycle(start, scc, edges))
	}
	slices.SortFunc(cycles, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return cycles
}

// shortestCycle finds, breadth first over sorted edges inside scc, the
// shortest path from start back to start.
func shortestCycle(start string, scc []string, edges map[string][]string) []string {
	prev := map[string]string{}
	queue := []string{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range edges[n] {
			if !slices.Contains(scc, m) {
				continue
			}
			if m == start {
				path := []string{start}
				for at := n; at != start; at = prev[at] {
					path = append(path, at)
				}
				slices.Reverse(path[1:])
				return append(path, start)
			}
			if _, seen := prev[m]; !seen {
				prev[m] = n
				queue = append(queue, m)
			}
		}
	}
	return []string{start, start}
}

type tarjan struct {
	edges   map[string][]string
	known   map[string]bool
	index   map[string]int
	low     map[string]int
	onStack map[string]bool
	stack   []string
	next    int
	sccs    [][]string
}

func (t *tarjan) visit(n string) {
	t.index[n], t.low[n] = t.next, t.next
	t.next++
	t.stack = append(t.stack, n)
	t.onStack[n] = true
	for _, m := range t.edges[n] {
		if !t.known[m] {
			continue
		}
		if _, seen := t.index[m]; !seen {
			t.visit(m)
			t.low[n] = min(t.low[n], t.low[m])
		} else if t.onStack[m] {
			t.low[n] = min(t.low[n], t.index[m])
		}
	}
	if t.low[n] != t.index[n] {
		return
	}
	var scc []string
	for {
		m := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[m] = false
		scc = append(scc, m)
		if m == n {
			break
		}
	}
	t.sccs = append(t.sccs, scc)
}
