package state

// The checks across stacks (core/across_stacks.go, core/ports.go) over
// the store's index of container names and host ports (store/index.go):
// what they read grows with the stack checked, not with the home.

import (
	"cmp"
	"maps"
	"slices"
	"strconv"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/store"
)

// ContainerOwners is core.ContainerOwners of the stored stacks, skipping
// st, for the container names of st's instances (all core.CheckContainerNames
// and core.ContainerClashes look up). Where stored stacks share a name
// (older data), the one last by name owns it, as there.
func ContainerOwners(tx *store.Tx, st core.Stack) (map[string]core.ContainerOwner, error) {
	names := make([]string, 0, len(st.Instances))
	for _, inst := range st.Instances {
		names = append(names, core.ContainerName(st.Name, inst.Name))
	}
	byName, err := tx.ContainerOwnersOf(names)
	if err != nil {
		return nil, err
	}
	out := map[string]core.ContainerOwner{}
	for _, name := range names {
		for _, o := range byName[name] {
			if o.Stack != st.Name {
				out[name] = core.ContainerOwner{Stack: o.Stack, Instance: o.Instance}
			}
		}
	}
	return out, nil
}

// OtherPorts is what core.PortConflicts needs of the other stacks to warn
// about d's host ports: for each stack, but d's, publishing one of the
// ports d publishes (same port and protocol, any host IP), its enabled
// instances with those ports.
func OtherPorts(tx *store.Tx, d core.Desired) ([]core.Desired, error) {
	byStack := map[string]map[string][]core.Port{}
	looked := map[string]bool{}
	for _, svc := range d.Services {
		if !svc.Enabled {
			continue
		}
		for _, p := range svc.Ports {
			if p.Host == 0 {
				continue
			}
			key := strconv.Itoa(p.Host) + "/" + p.Protocol
			if looked[key] {
				continue
			}
			looked[key] = true
			claims, err := tx.PortClaims(p.Host, p.Protocol)
			if err != nil {
				return nil, err
			}
			for _, c := range claims {
				if c.Stack == d.Stack {
					continue
				}
				if byStack[c.Stack] == nil {
					byStack[c.Stack] = map[string][]core.Port{}
				}
				byStack[c.Stack][c.Instance] = append(byStack[c.Stack][c.Instance], c.Port())
			}
		}
	}
	out := make([]core.Desired, 0, len(byStack))
	for _, stack := range slices.Sorted(maps.Keys(byStack)) {
		o := core.Desired{Stack: stack}
		for _, inst := range slices.Sorted(maps.Keys(byStack[stack])) {
			o.Services = append(o.Services, core.WiredService{Service: core.Service{Instance: inst, Enabled: true, Ports: byStack[stack][inst]}})
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b core.Desired) int { return cmp.Compare(a.Stack, b.Stack) })
	return out, nil
}
