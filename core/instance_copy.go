package core

// Renaming and duplicating an instance, and what they do to its volumes:
// template volumes are scoped to the instance name, so a renamed instance
// keeps its old volumes and a copy never shares its source's.

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RenameInstance renames instance name of st to newName, with the wires
// and the depends_on entries that name it. It returns the renamed instance and the scoped volumes it
// keeps (PinScopedVolumes).
func RenameInstance(st *Stack, tpls map[string]Template, name, newName string) (Instance, []string, error) {
	src, err := InstanceIn(st, name)
	if err != nil {
		return Instance{}, nil, err
	}
	if err := CheckNewInstanceName(st, newName); err != nil {
		return Instance{}, nil, err
	}
	kept := PinScopedVolumes(src, tpls[src.Template])
	src.Name = newName
	src.Stopped = false // the renamed instance gets a new container
	for i := range st.Instances {
		deps := st.Instances[i].Overrides.DependsOn
		if d, ok := deps[name]; ok {
			deps = maps.Clone(deps)
			delete(deps, name)
			deps[newName] = d
			st.Instances[i].Overrides.DependsOn = deps
		}
	}
	for i := range st.Wires {
		if st.Wires[i].Consumer == name {
			st.Wires[i].Consumer = newName
		}
		if st.Wires[i].Provider == name {
			st.Wires[i].Provider = newName
		}
	}
	return *src, kept, nil
}

// DuplicateInstance adds to st a copy of instance name called newName,
// with copies of the explicit wires of its imports (the copy consumes what
// its source does). The copy's volumes are its own (RescopeVolumes); it
// must not make an import ambiguous. It returns the copy and the volumes
// renamed in it, old -> new.
func DuplicateInstance(st *Stack, tpls map[string]Template, name, newName string) (Instance, map[string]string, error) {
	return DuplicateInstanceWith(st, tpls, name, newName, PortChange{})
}

// DuplicateInstanceWith is DuplicateInstance with the copy's published host
// ports changed as ports says (see ApplyPortChange), before the stack's
// rules are checked: a copy publishing the source's ports is refused.
func DuplicateInstanceWith(st *Stack, tpls map[string]Template, name, newName string, ports PortChange) (Instance, map[string]string, error) {
	src, err := InstanceIn(st, name)
	if err != nil {
		return Instance{}, nil, err
	}
	if err := CheckNewInstanceName(st, newName); err != nil {
		return Instance{}, nil, err
	}
	g := GuardWiring(*st, tpls)
	dup, err := cloneInstance(*src)
	if err != nil {
		return Instance{}, nil, err
	}
	dup.Name = newName
	renamed, err := RescopeVolumes(&dup, name, tpls[src.Template])
	if err != nil {
		return Instance{}, nil, err
	}
	if err := ApplyPortChange(&dup, tpls[src.Template], ports); err != nil {
		return Instance{}, nil, err
	}
	for _, wire := range slices.Clone(st.Wires) {
		if wire.Consumer == name {
			wire.Consumer = newName
			st.Wires = append(st.Wires, wire)
		}
	}
	st.Instances = append(st.Instances, dup)
	if err := g.Refuse(st, tpls, fmt.Sprintf("duplicating instance %s as %s", name, newName), WireFirstHint); err != nil {
		return Instance{}, nil, err
	}
	return dup, renamed, nil
}

// cloneInstance deep-copies inst.
func cloneInstance(inst Instance) (Instance, error) {
	b, err := json.Marshal(inst)
	if err != nil {
		return Instance{}, fmt.Errorf("copy instance: %w", err)
	}
	var out Instance
	if err := json.Unmarshal(b, &out); err != nil {
		return Instance{}, fmt.Errorf("copy instance: %w", err)
	}
	out.Stopped = false // a stop is the source container's, not the copy's
	return out, nil
}

// PinScopedVolumes keeps an instance that is renamed on its data. Template
// named volumes are scoped to the instance name (postgres-data of db is
// db-postgres-data), so after a rename the next apply would start the
// instance on a new, empty volume. When inst has no volumes override and its
// effective volumes include such scoped volumes, the override is set to its
// current effective volumes (the old names). It returns the kept names.
func PinScopedVolumes(inst *Instance, tpl Template) []string {
	if inst.Overrides.Volumes != nil {
		return nil // volumes the instance sets are used as named; a rename keeps them
	}
	var kept []string
	for _, v := range tpl.Volumes {
		if IsNamedVolume(v.Source) {
			kept = append(kept, inst.Name+"-"+v.Source)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	vols := Merge(tpl, *inst).Volumes
	inst.Overrides.Volumes = &vols
	return kept
}

// RescopeVolumes keeps a duplicate from sharing its source's data. The
// copy's volumes override (copied from the source, name src) may name
// volumes scoped to the source: SRC-x becomes DST-x. A named volume mounted
// where the template mounts a named volume t and named like a scoped copy
// of it (OTHER-t, e.g. kept by an earlier rename) becomes DST-t too. Other
// volumes, and host paths, are left as they are. It returns old -> new.
// When DST-t is the very volume the source mounts (the source was renamed
// from DST and kept DST-t: duplicating it back under its old name), the copy
// cannot get a volume of its own by this rule and the duplicate is refused.
func RescopeVolumes(dup *Instance, src string, tpl Template) (map[string]string, error) {
	if dup.Overrides.Volumes == nil {
		return nil, nil
	}
	renamed := map[string]string{}
	var fes FieldErrors
	vols := *dup.Overrides.Volumes
	for i, v := range vols {
		if !IsNamedVolume(v.Source) {
			continue
		}
		to := ""
		if rest, ok := strings.CutPrefix(v.Source, src+"-"); ok && rest != "" {
			to = dup.Name + "-" + rest
		} else {
			for _, tv := range tpl.Volumes {
				if tv.Target == v.Target && IsNamedVolume(tv.Source) && strings.HasSuffix(v.Source, "-"+tv.Source) {
					to = dup.Name + "-" + tv.Source
					break
				}
			}
		}
		switch {
		case to == v.Source:
			fes = append(fes, &FieldError{
				Field: fmt.Sprintf("instances.%s.volumes[%d]", dup.Name, i),
				Rule: fmt.Sprintf("volume %s, which instance %s kept when it was renamed from %s, would be the copy's own volume too: a copy never shares its source's data",
					v.Source, src, dup.Name),
				Hint: "give the copy another name",
			})
		case to != "":
			renamed[v.Source] = to
			vols[i].Source = to
		}
	}
	if err := fes.Err(); err != nil {
		return nil, err
	}
	if len(renamed) == 0 {
		return nil, nil
	}
	return renamed, nil
}
