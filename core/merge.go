package core

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// mergeVolumes returns the instance's volumes when it sets them, else the
// template's with every named volume scoped to the instance: two instances of
// one template in a stack must never share a data directory by accident
// (postgres-data becomes db-postgres-data). Volumes an instance sets are
// used as named, so instances can share a volume on purpose.
func mergeVolumes(instance string, own *[]Volume, tpl []Volume) []Volume {
	if own != nil {
		return slices.Clone(*own)
	}
	out := slices.Clone(tpl)
	for i, v := range out {
		if IsNamedVolume(v.Source) {
			out[i].Source = instance + "-" + v.Source
		}
	}
	return out
}

// IsNamedVolume reports whether a volume source names a volume rather than
// a host path.
func IsNamedVolume(source string) bool {
	return source != "" && !strings.HasPrefix(source, "/") && !strings.HasPrefix(source, ".") && !strings.HasPrefix(source, "~")
}

// Merge computes an instance's effective configuration from its template and
// its copy-on-write overrides, following the merge table in DESIGN.md:
// scalars replace; env and labels merge by key (instance wins, UnsetEnv
// removes template keys); ports, volumes, domains and healthcheck replace as a
// whole; config files merge by target path; exports and imports are inherited
// unless overridden; build replaces as a whole (no_build drops the template's),
// and a service that builds runs the image its build tags. The result shares no memory with its inputs.
func Merge(t Template, inst Instance) Service {
	o := inst.Overrides
	s := Service{
		Instance:    inst.Name,
		Template:    t.Name,
		Enabled:     inst.Enabled,
		Image:       pick(o.Image, t.Image),
		Command:     slices.Clone(pickSlice(o.Command, t.Command)),
		Entrypoint:  slices.Clone(pickSlice(o.Entrypoint, t.Entrypoint)),
		User:        pick(o.User, t.User),
		Restart:     pick(o.Restart, t.Restart),
		Ports:       slices.Clone(pickSlice(o.Ports, t.Ports)),
		Volumes:     mergeVolumes(inst.Name, o.Volumes, t.Volumes),
		Domains:     slices.Clone(pickSlice(o.Domains, t.Domains)),
		Exports:     cloneExports(pickSlice(o.Exports, t.Exports)),
		Imports:     slices.Clone(pickSlice(o.Imports, t.Imports)),
		Healthcheck: cloneHealthcheck(t.Healthcheck),
		Compose:     o.Compose,
		Replicas:    cloneInt(cmp.Or(o.Replicas, t.Replicas)),
		Needs:       maps.Clone(o.DependsOn),
		Aliases:     slices.Clone(o.Aliases),
	}
	if o.Tag != nil {
		s.Image = WithTag(s.Image, *o.Tag)
	}
	// A build replaces the image: the instance runs what it builds, tagged
	// build.image (DefaultBuildImage when empty, filled in by Build).
	switch {
	case o.NoBuild:
	case o.Build != nil:
		s.Build = o.Build.Clone()
	default:
		s.Build = t.Build.Clone()
	}
	if s.Build != nil {
		s.Image = s.Build.Image
	}
	if o.Healthcheck != nil {
		s.Healthcheck = cloneHealthcheck(o.Healthcheck)
	}
	// Another image may not speak the template's contracts; another tag of
	// the same repository does, like a tag override.
	if o.Image != nil && o.Exports == nil && len(t.Exports) > 0 {
		own, _ := SplitImage(*o.Image)
		tpl, _ := SplitImage(t.Image)
		s.ExportsStale = own != tpl && !o.KeepExports
	}

	env := maps.Clone(t.Env)
	for _, k := range o.UnsetEnv {
		delete(env, k)
	}
	if len(o.Env) > 0 && env == nil {
		env = map[string]EnvVar{}
	}
	// A key the template marks secret stays secret whatever the instance
	// sets: overriding a password must not publish it.
	for k, v := range o.Env {
		if t.Env[k].Secret { // also when the instance unset and set it again
			v.Secret = true
		}
		env[k] = v
	}
	if len(env) > 0 {
		s.Env = env
	}

	labels := maps.Clone(t.Labels)
	if len(o.Labels) > 0 && labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, o.Labels)
	if len(labels) > 0 {
		s.Labels = labels
	}

	files := map[string]ConfigFile{}
	for _, f := range t.Files {
		f.Source = ""
		files[f.Target] = f
	}
	for target, f := range o.Files {
		f.Target = target // the key is the target; a stored value may leave it out
		f.Source = ""     // where the CLI reads it is not runtime configuration
		if tf, ok := files[target]; ok && tf.Sensitive {
			f.Sensitive = true
		}
		files[target] = f
	}
	for _, target := range slices.Sorted(maps.Keys(files)) {
		s.Files = append(s.Files, files[target])
	}
	return s
}

func pick[T any](o *T, t T) T {
	if o != nil {
		return *o
	}
	return t
}

func pickSlice[T any](o *[]T, t []T) []T {
	if o != nil {
		return *o
	}
	return t
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneHealthcheck(h *Healthcheck) *Healthcheck {
	if h == nil {
		return nil
	}
	c := *h
	c.Test = slices.Clone(h.Test)
	return &c
}

func cloneExports(in []Export) []Export {
	if in == nil {
		return nil
	}
	out := make([]Export, len(in))
	for i, e := range in {
		e.Env = maps.Clone(e.Env)
		out[i] = e
	}
	return out
}

// SplitImage splits a reference into repository and tag (or digest, with its
// "@"). "docker.io/library/postgres:16" gives ("docker.io/library/postgres", ":16").
func SplitImage(ref string) (repo, tag string) {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		return ref[:i], ref[i:]
	}
	slash := strings.LastIndexByte(ref, '/')
	if i := strings.LastIndexByte(ref, ':'); i > slash {
		return ref[:i], ref[i:]
	}
	return ref, ""
}

// WithTag replaces the tag or digest of ref with tag.
func WithTag(ref, tag string) string {
	repo, _ := SplitImage(ref)
	if strings.HasPrefix(tag, "sha256:") {
		return repo + "@" + tag
	}
	return repo + ":" + tag
}

// Clone returns a deep copy of t that shares no memory with it.
func (t Template) Clone() Template {
	c := t
	c.Command = slices.Clone(t.Command)
	c.Entrypoint = slices.Clone(t.Entrypoint)
	c.Env = maps.Clone(t.Env)
	c.Ports = slices.Clone(t.Ports)
	c.Volumes = slices.Clone(t.Volumes)
	c.Labels = maps.Clone(t.Labels)
	c.Healthcheck = cloneHealthcheck(t.Healthcheck)
	c.Build = t.Build.Clone()
	c.Files = slices.Clone(t.Files)
	c.Domains = slices.Clone(t.Domains)
	c.Exports = cloneExports(t.Exports)
	c.Imports = slices.Clone(t.Imports)
	c.Replicas = cloneInt(t.Replicas)
	return c
}
