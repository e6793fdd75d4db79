package daemon

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// placeholderRule refuses storing the redaction placeholder, which a
// client may have copied from a redacted view, in place of a real value.
const placeholderRule = "is the redaction placeholder " + core.Redacted + ", not a value; give the real value"

// applySet applies req to inst's overrides; tpl is inst's template.
func applySet(inst *core.Instance, tpl core.Template, req api.InstanceSetRequest) error {
	o := &inst.Overrides
	setPtr(&o.Image, req.Image)
	setPtr(&o.Tag, req.Tag)
	setPtr(&o.Command, req.Command)
	setPtr(&o.Entrypoint, req.Entrypoint)
	setPtr(&o.User, req.User)
	setPtr(&o.Restart, req.Restart)
	setPtr(&o.Ports, req.Ports)
	setPtr(&o.Volumes, req.Volumes)
	setPtr(&o.Domains, req.Domains)
	setPtr(&o.Exports, req.Exports)
	if req.KeepExports != nil {
		o.KeepExports = *req.KeepExports
	}
	setPtr(&o.Imports, req.Imports)
	if req.Compose != nil {
		o.Compose = *req.Compose
	}
	if req.Enabled != nil {
		inst.Enabled = *req.Enabled
	}
	var fes core.FieldErrors
	for _, k := range slices.Sorted(maps.Keys(req.Env)) {
		if req.Env[k].Value == core.Redacted {
			fes = append(fes, core.Errf("env."+k, placeholderRule))
			continue
		}
		if o.Env == nil {
			o.Env = map[string]core.EnvVar{}
		}
		o.Env[k] = req.Env[k]
		o.UnsetEnv = slices.DeleteFunc(o.UnsetEnv, func(u string) bool { return u == k })
	}
	for i, k := range req.UnsetEnv {
		_, inOverride := o.Env[k]
		_, inTemplate := tpl.Env[k]
		if !inOverride && !inTemplate {
			fes = append(fes, core.Errf(fmt.Sprintf("unset_env[%d]", i),
				fmt.Sprintf("%q is not set by the instance or its template %q", k, tpl.Name)))
			continue
		}
		delete(o.Env, k)
		if inTemplate && !slices.Contains(o.UnsetEnv, k) {
			o.UnsetEnv = append(o.UnsetEnv, k)
		}
	}
	slices.Sort(o.UnsetEnv)
	if len(o.Env) == 0 {
		o.Env = nil
	}
	if len(o.UnsetEnv) == 0 {
		o.UnsetEnv = nil
	}
	for k, v := range req.Labels {
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[k] = v
	}
	for target, f := range req.Files {
		if f.Target == "" {
			f.Target = target
		}
		if f.Content == core.Redacted {
			fes = append(fes, core.Errf("files."+target+".content", placeholderRule))
			continue
		}
		if f.Target != target {
			fes = append(fes, core.Errf("files."+target+".target", fmt.Sprintf("%q differs from its key %q", f.Target, target)))
			continue
		}
		if o.Files == nil {
			o.Files = map[string]core.ConfigFile{}
		}
		o.Files[target] = f
	}
	if req.Healthcheck != nil {
		o.Healthcheck = patchHealthcheck(core.Merge(tpl, *inst).Healthcheck, *req.Healthcheck)
	}
	return fes.Err()
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		c := *v
		*dst = &c
	}
}

// patchHealthcheck builds a whole healthcheck from the effective one (cur,
// possibly nil) and the fields p sets.
func patchHealthcheck(cur *core.Healthcheck, p api.HealthcheckPatch) *core.Healthcheck {
	if p.Disable {
		return &core.Healthcheck{Test: []string{"NONE"}}
	}
	var h core.Healthcheck
	if cur != nil && !(len(cur.Test) == 1 && cur.Test[0] == "NONE") {
		h = *cur
		h.Test = slices.Clone(cur.Test)
	}
	if p.Test != nil {
		h.Test = slices.Clone(*p.Test)
	}
	if p.Interval != nil {
		h.Interval = *p.Interval
	}
	if p.Timeout != nil {
		h.Timeout = *p.Timeout
	}
	if p.StartPeriod != nil {
		h.StartPeriod = *p.StartPeriod
	}
	if p.Retries != nil {
		h.Retries = *p.Retries
	}
	return &h
}

// resetFields drops the named overrides from o.
func resetFields(o *core.Overrides, fields []string) error {
	var fes core.FieldErrors
	for i, f := range fields {
		field := fmt.Sprintf("fields[%d]", i)
		if key, ok := strings.CutPrefix(f, "env."); ok {
			_, had := o.Env[key]
			delete(o.Env, key)
			n := len(o.UnsetEnv)
			o.UnsetEnv = slices.DeleteFunc(o.UnsetEnv, func(u string) bool { return u == key })
			if !had && n == len(o.UnsetEnv) {
				fes = append(fes, core.Errf(field, fmt.Sprintf("env %q is not overridden", key)))
			}
			continue
		}
		if key, ok := strings.CutPrefix(f, "labels."); ok {
			if _, had := o.Labels[key]; !had {
				fes = append(fes, core.Errf(field, fmt.Sprintf("label %q is not overridden", key)))
			}
			delete(o.Labels, key)
			continue
		}
		if target, ok := strings.CutPrefix(f, "files."); ok {
			if _, had := o.Files[target]; !had {
				fes = append(fes, core.Errf(field, fmt.Sprintf("file %q is not overridden", target)))
			}
			delete(o.Files, target)
			continue
		}
		if !resetWhole(o, f) {
			fes = append(fes, core.Errf(field, fmt.Sprintf("unknown override %q: want one of %s, or env.KEY, labels.KEY, files./path",
				f, strings.Join(core.OverrideFields, ", "))))
		}
	}
	if len(o.Env) == 0 {
		o.Env = nil
	}
	if len(o.UnsetEnv) == 0 {
		o.UnsetEnv = nil
	}
	if len(o.Labels) == 0 {
		o.Labels = nil
	}
	if len(o.Files) == 0 {
		o.Files = nil
	}
	return fes.Err()
}

// resetWhole drops override field f; false when f is not a field name.
func resetWhole(o *core.Overrides, f string) bool {
	switch f {
	case "image":
		o.Image = nil
	case "tag":
		o.Tag = nil
	case "command":
		o.Command = nil
	case "entrypoint":
		o.Entrypoint = nil
	case "user":
		o.User = nil
	case "restart":
		o.Restart = nil
	case "env":
		o.Env, o.UnsetEnv = nil, nil
	case "labels":
		o.Labels = nil
	case "ports":
		o.Ports = nil
	case "volumes":
		o.Volumes = nil
	case "healthcheck":
		o.Healthcheck = nil
	case "files":
		o.Files = nil
	case "domains":
		o.Domains = nil
	case "exports":
		o.Exports, o.KeepExports = nil, false
	case "imports":
		o.Imports = nil
	case "compose":
		o.Compose = ""
	default:
		return false
	}
	return true
}
