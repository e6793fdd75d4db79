package core

import "maps"

// InheritSecrecy marks inst's overrides secret where its template tpl says
// so: an env override of a key tpl marks secret becomes Secret, and a config
// file override at a target where tpl's file is sensitive becomes Sensitive.
// Merge already makes such effective values secret; storing the flag on the
// override too keeps every view and export of the overrides (which redact
// by the override's own flag) from printing a secret set with a plain
// --env. It never clears a flag. A map it changes is copied first, so
// memory inst shares with another value is left alone. It reports whether
// it changed anything.
func InheritSecrecy(inst *Instance, tpl Template) bool {
	o := &inst.Overrides
	changed := false
	for k, v := range o.Env {
		if v.Secret || !tpl.Env[k].Secret {
			continue
		}
		if !changed {
			o.Env = maps.Clone(o.Env)
			changed = true
		}
		v.Secret = true
		o.Env[k] = v
	}
	filesChanged := false
	for target, f := range o.Files {
		if f.Sensitive || !sensitiveIn(tpl, target) {
			continue
		}
		if !filesChanged {
			o.Files = maps.Clone(o.Files)
			filesChanged = true
		}
		f.Sensitive = true
		o.Files[target] = f
	}
	return changed || filesChanged
}

// InheritStackSecrecy applies InheritSecrecy to every instance of st whose
// template is in templates; instances of unknown templates are left as they
// are. The instances slice is copied before any change. It reports whether
// it changed anything.
func InheritStackSecrecy(st *Stack, templates map[string]Template) bool {
	changed := false
	for i := range st.Instances {
		tpl, ok := templates[st.Instances[i].Template]
		if !ok {
			continue
		}
		inst := st.Instances[i]
		if !InheritSecrecy(&inst, tpl) {
			continue
		}
		if !changed {
			st.Instances = append([]Instance(nil), st.Instances...)
			changed = true
		}
		st.Instances[i] = inst
	}
	return changed
}

// sensitiveIn reports whether tpl has a sensitive config file at target.
func sensitiveIn(tpl Template, target string) bool {
	for _, f := range tpl.Files {
		if f.Target == target && f.Sensitive {
			return true
		}
	}
	return false
}
