package core

// Changing an instance's overrides: a partial update (instance set) names
// the fields it sets or clears in a mask; a reset drops overrides by name.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// InstanceUpdate is a partial update of an instance (instance set). Mask
// names the override fields it changes, by path (MaskPaths); each takes its
// value from Overrides, and a whole field Overrides leaves empty is cleared
// (inherited from the template again). Three kinds of path differ:
//   - env, labels and files add or replace entries by key, leaving the
//     others; unset_env removes the keys it lists, also ones the template
//     sets (instance reset drops a whole map or one entry);
//   - healthcheck.FIELD changes one field of the instance's effective
//     healthcheck, the result stored as a whole-object override;
//   - healthcheck sets the whole object; Test ["NONE"] overrides the
//     template's with none.
//
// A path not in MaskPaths, or a value Overrides gives for a field the mask
// does not name, is refused. Enabled, when set, enables or disables the
// instance (it is not an override).
type InstanceUpdate struct {
	Overrides
	Mask    []string `json:"mask,omitempty"`
	Enabled *bool    `json:"enabled,omitempty"`
}

// maskField is one path of an update's mask: whether an Overrides carries a
// value for it, and how that value is applied.
type maskField struct {
	path  string
	given func(o *Overrides) bool
	apply func(u *updater)
}

// maskFields declares every path a mask may name, in the order they are
// applied: env before unset_env, the healthcheck's fields last (over the
// effective healthcheck). A test checks that every field of Overrides and
// of Healthcheck has its path here.
var maskFields = []maskField{
	{"image", func(o *Overrides) bool { return o.Image != nil }, func(u *updater) { u.o.Image = clonePtr(u.src.Image) }},
	{"tag", func(o *Overrides) bool { return o.Tag != nil }, func(u *updater) { u.o.Tag = clonePtr(u.src.Tag) }},
	{"command", func(o *Overrides) bool { return o.Command != nil }, func(u *updater) { u.o.Command = cloneSlicePtr(u.src.Command) }},
	{"entrypoint", func(o *Overrides) bool { return o.Entrypoint != nil }, func(u *updater) { u.o.Entrypoint = cloneSlicePtr(u.src.Entrypoint) }},
	{"user", func(o *Overrides) bool { return o.User != nil }, func(u *updater) { u.o.User = clonePtr(u.src.User) }},
	{"restart", func(o *Overrides) bool { return o.Restart != nil }, func(u *updater) { u.o.Restart = clonePtr(u.src.Restart) }},
	{"env", func(o *Overrides) bool { return len(o.Env) > 0 }, (*updater).mergeEnv},
	{"unset_env", func(o *Overrides) bool { return len(o.UnsetEnv) > 0 }, (*updater).unsetEnv},
	{"labels", func(o *Overrides) bool { return len(o.Labels) > 0 }, (*updater).mergeLabels},
	{"ports", func(o *Overrides) bool { return o.Ports != nil }, func(u *updater) { u.o.Ports = cloneSlicePtr(u.src.Ports) }},
	{"volumes", func(o *Overrides) bool { return o.Volumes != nil }, func(u *updater) { u.o.Volumes = cloneSlicePtr(u.src.Volumes) }},
	{"healthcheck", func(o *Overrides) bool { return o.Healthcheck != nil }, func(u *updater) { u.o.Healthcheck = cloneHealthcheck(u.src.Healthcheck) }},
	{"files", func(o *Overrides) bool { return len(o.Files) > 0 }, (*updater).mergeFiles},
	{"domains", func(o *Overrides) bool { return o.Domains != nil }, func(u *updater) { u.o.Domains = cloneSlicePtr(u.src.Domains) }},
	{"exports", func(o *Overrides) bool { return o.Exports != nil }, func(u *updater) { u.o.Exports = cloneSlicePtr(u.src.Exports) }},
	{"keep_exports", func(o *Overrides) bool { return o.KeepExports }, func(u *updater) { u.o.KeepExports = u.src.KeepExports }},
	{"imports", func(o *Overrides) bool { return o.Imports != nil }, func(u *updater) { u.o.Imports = cloneSlicePtr(u.src.Imports) }},
	{"compose", func(o *Overrides) bool { return o.Compose != "" }, func(u *updater) { u.o.Compose = u.src.Compose }},
	{"replicas", func(o *Overrides) bool { return o.Replicas != nil }, func(u *updater) { u.o.Replicas = clonePtr(u.src.Replicas) }},
	{"build", func(o *Overrides) bool { return o.Build != nil }, func(u *updater) { u.o.Build = u.src.Build.Clone() }},
	{"no_build", func(o *Overrides) bool { return o.NoBuild }, func(u *updater) { u.o.NoBuild = u.src.NoBuild }},
	{"depends_on", func(o *Overrides) bool { return len(o.DependsOn) > 0 }, func(u *updater) { u.o.DependsOn = maps.Clone(u.src.DependsOn) }},
	{"aliases", func(o *Overrides) bool { return len(o.Aliases) > 0 }, func(u *updater) { u.o.Aliases = slices.Clone(u.src.Aliases) }},
	{"healthcheck.test",
		givenHealthcheck(func(h *Healthcheck) bool { return h.Test != nil }),
		func(u *updater) { u.healthcheck().Test = slices.Clone(u.srcHealthcheck().Test) }},
	{"healthcheck.interval",
		givenHealthcheck(func(h *Healthcheck) bool { return h.Interval != 0 }),
		func(u *updater) { u.healthcheck().Interval = u.srcHealthcheck().Interval }},
	{"healthcheck.timeout",
		givenHealthcheck(func(h *Healthcheck) bool { return h.Timeout != 0 }),
		func(u *updater) { u.healthcheck().Timeout = u.srcHealthcheck().Timeout }},
	{"healthcheck.start_period",
		givenHealthcheck(func(h *Healthcheck) bool { return h.StartPeriod != 0 }),
		func(u *updater) { u.healthcheck().StartPeriod = u.srcHealthcheck().StartPeriod }},
	{"healthcheck.retries",
		givenHealthcheck(func(h *Healthcheck) bool { return h.Retries != 0 }),
		func(u *updater) { u.healthcheck().Retries = u.srcHealthcheck().Retries }},
}

// MaskPaths lists the paths an InstanceUpdate's mask may name, sorted.
var MaskPaths = func() []string {
	out := make([]string, len(maskFields))
	for i, f := range maskFields {
		out[i] = f.path
	}
	slices.Sort(out)
	return out
}()

func givenHealthcheck(field func(h *Healthcheck) bool) func(o *Overrides) bool {
	return func(o *Overrides) bool { return o.Healthcheck != nil && field(o.Healthcheck) }
}

// placeholderRule refuses storing the redaction placeholder, which a
// client may have copied from a redacted view, in place of a real value.
const placeholderRule = "is the redaction placeholder " + Redacted + ", not a value; give the real value"

// Apply applies u to inst; tpl is inst's template. On error inst is left
// as it was.
func (u InstanceUpdate) Apply(inst *Instance, tpl Template) error {
	masked, err := u.checkMask()
	if err != nil {
		return err
	}
	next := *inst
	next.Overrides = cloneOverrideMaps(inst.Overrides)
	up := &updater{inst: &next, o: &next.Overrides, tpl: tpl, src: &u.Overrides}
	for _, f := range maskFields {
		if masked[f.path] {
			f.apply(up)
		}
	}
	if err := up.errs.Err(); err != nil {
		return err
	}
	normalizeOverrides(up.o)
	if u.Enabled != nil {
		next.Enabled = *u.Enabled
	}
	*inst = next
	return nil
}

// checkMask returns the set of paths u's mask names; refused are a path
// not in MaskPaths, a path within another one the mask names
// (healthcheck and healthcheck.interval) and a value given for a field
// the mask does not name.
func (u InstanceUpdate) checkMask() (map[string]bool, error) {
	var fes FieldErrors
	masked := map[string]bool{}
	for i, p := range u.Mask {
		if !slices.Contains(MaskPaths, p) {
			fes = append(fes, Errf(fmt.Sprintf("mask[%d]", i),
				fmt.Sprintf("unknown field %q: want one of %s", p, strings.Join(MaskPaths, ", "))))
			continue
		}
		masked[p] = true
	}
	for i, p := range u.Mask {
		if parent, _, ok := strings.Cut(p, "."); ok && masked[parent] {
			fes = append(fes, Errf(fmt.Sprintf("mask[%d]", i),
				fmt.Sprintf("%q is within %q, which the mask also names: name the whole field or some of its fields", p, parent)))
		}
	}
	for _, f := range maskFields {
		if f.given(&u.Overrides) && !covered(masked, f.path) {
			fes = append(fes, Errf(f.path, fmt.Sprintf("is given but the mask does not name it: add %q to the mask", f.path)))
		}
	}
	return masked, fes.Err()
}

// covered reports whether the mask names path, the field it is within, or
// (for a whole object) one of its fields.
func covered(masked map[string]bool, path string) bool {
	for m := range masked {
		if m == path || strings.HasPrefix(path, m+".") || strings.HasPrefix(m, path+".") {
			return true
		}
	}
	return false
}

// updater carries one update being applied: the instance being changed
// (a copy), its template, the values of the update and the errors found.
type updater struct {
	inst *Instance
	o    *Overrides // &inst.Overrides
	tpl  Template
	src  *Overrides
	hc   *Healthcheck // the healthcheck healthcheck.FIELD paths change
	errs FieldErrors
}

func (u *updater) mergeEnv() {
	for _, k := range slices.Sorted(maps.Keys(u.src.Env)) {
		v := u.src.Env[k]
		if v.Value == Redacted {
			u.errs = append(u.errs, Errf("env."+k, placeholderRule))
			continue
		}
		if u.o.Env == nil {
			u.o.Env = map[string]EnvVar{}
		}
		u.o.Env[k] = v
		u.o.UnsetEnv = slices.DeleteFunc(u.o.UnsetEnv, func(x string) bool { return x == k })
	}
}

func (u *updater) unsetEnv() {
	for i, k := range u.src.UnsetEnv {
		_, inOverride := u.o.Env[k]
		_, inTemplate := u.tpl.Env[k]
		if !inOverride && !inTemplate {
			u.errs = append(u.errs, Errf(fmt.Sprintf("unset_env[%d]", i),
				fmt.Sprintf("%q is not set by the instance or its template %q", k, u.tpl.Name)))
			continue
		}
		delete(u.o.Env, k)
		if inTemplate && !slices.Contains(u.o.UnsetEnv, k) {
			u.o.UnsetEnv = append(u.o.UnsetEnv, k)
		}
	}
}

func (u *updater) mergeLabels() {
	for k, v := range u.src.Labels {
		if u.o.Labels == nil {
			u.o.Labels = map[string]string{}
		}
		u.o.Labels[k] = v
	}
}

func (u *updater) mergeFiles() {
	for _, target := range slices.Sorted(maps.Keys(u.src.Files)) {
		f := u.src.Files[target]
		if f.Target == "" {
			f.Target = target
		}
		if f.Content == Redacted {
			u.errs = append(u.errs, Errf("files."+target+".content", placeholderRule))
			continue
		}
		if f.Target != target {
			u.errs = append(u.errs, Errf("files."+target+".target", fmt.Sprintf("%q differs from its key %q", f.Target, target)))
			continue
		}
		if u.o.Files == nil {
			u.o.Files = map[string]ConfigFile{}
		}
		u.o.Files[target] = f
	}
}

// healthcheck is the healthcheck healthcheck.FIELD paths change: on first
// use a copy of the effective one (none when it is ["NONE"]), stored as the
// instance's whole-object override.
func (u *updater) healthcheck() *Healthcheck {
	if u.hc == nil {
		var h Healthcheck
		if cur := Merge(u.tpl, *u.inst).Healthcheck; cur != nil && !(len(cur.Test) == 1 && cur.Test[0] == "NONE") {
			h = *cloneHealthcheck(cur)
		}
		u.hc = &h
		u.o.Healthcheck = u.hc
	}
	return u.hc
}

// srcHealthcheck is the update's healthcheck (zero when it gives none).
func (u *updater) srcHealthcheck() Healthcheck {
	if u.src.Healthcheck == nil {
		return Healthcheck{}
	}
	return *u.src.Healthcheck
}

// ResetOverrides drops the named overrides from o: names from
// OverrideFields, or "env.KEY", "labels.KEY", "files./path" for one entry.
func ResetOverrides(o *Overrides, fields []string) error {
	var fes FieldErrors
	for i, f := range fields {
		field := fmt.Sprintf("fields[%d]", i)
		if key, ok := strings.CutPrefix(f, "env."); ok {
			_, had := o.Env[key]
			delete(o.Env, key)
			n := len(o.UnsetEnv)
			o.UnsetEnv = slices.DeleteFunc(o.UnsetEnv, func(u string) bool { return u == key })
			if !had && n == len(o.UnsetEnv) {
				fes = append(fes, Errf(field, fmt.Sprintf("env %q is not overridden", key)))
			}
			continue
		}
		if key, ok := strings.CutPrefix(f, "labels."); ok {
			if _, had := o.Labels[key]; !had {
				fes = append(fes, Errf(field, fmt.Sprintf("label %q is not overridden", key)))
			}
			delete(o.Labels, key)
			continue
		}
		if target, ok := strings.CutPrefix(f, "files."); ok {
			if _, had := o.Files[target]; !had {
				fes = append(fes, Errf(field, fmt.Sprintf("file %q is not overridden", target)))
			}
			delete(o.Files, target)
			continue
		}
		if !resetWhole(o, f) {
			fes = append(fes, Errf(field, fmt.Sprintf("unknown override %q: want one of %s, or env.KEY, labels.KEY, files./path",
				f, strings.Join(OverrideFields, ", "))))
		}
	}
	normalizeOverrides(o)
	return fes.Err()
}

// resetWhole drops override field f; false when f is not a field name.
func resetWhole(o *Overrides, f string) bool {
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
	case "replicas":
		o.Replicas = nil
	case "build":
		o.Build, o.NoBuild = nil, false
	case "depends_on":
		o.DependsOn = nil
	case "aliases":
		o.Aliases = nil
	default:
		return false
	}
	return true
}

// normalizeOverrides stores empty maps and lists of keys as nil (no
// override) and keeps UnsetEnv sorted.
func normalizeOverrides(o *Overrides) {
	slices.Sort(o.UnsetEnv)
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
}

// cloneOverrideMaps copies o with its own maps and key list, so an edit of
// the copy leaves o as it was.
func cloneOverrideMaps(o Overrides) Overrides {
	o.Env = maps.Clone(o.Env)
	o.UnsetEnv = slices.Clone(o.UnsetEnv)
	o.Labels = maps.Clone(o.Labels)
	o.Files = maps.Clone(o.Files)
	return o
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneSlicePtr[T any](p *[]T) *[]T {
	if p == nil {
		return nil
	}
	c := slices.Clone(*p)
	if c == nil {
		c = []T{}
	}
	return &c
}
