package devfile

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
)

// SecretMode says how Export writes secret values.
type SecretMode int

const (
	// Redact writes secrets as [REDACTED]; importing needs them set again.
	Redact SecretMode = iota
	// Seal encrypts secrets with a key derived from a passphrase.
	Seal
	// Plaintext writes secret values as they are; only when asked by name.
	Plaintext
)

// ExportOptions control Export.
type ExportOptions struct {
	Secrets    SecretMode
	Passphrase string             // for Seal
	KDF        *secrets.KDFParams // for Seal; nil draws fresh parameters
	// Dir is the directory the file is written to: build contexts are
	// written relative to it, so the file works on every clone of a
	// repository it is committed to. Empty writes them absolute.
	Dir string
}

// Export writes st and the user templates it uses as a version 1 devarch.yml.
// templates are those st may use (built-in ones are not written); an
// instance's env key or file its template marks secret is written as a
// secret whatever flag the instance stored with it.
// Output is deterministic for Redact and Plaintext: keys sorted, stable layout.
func Export(st core.Stack, templates []core.Template, opt ExportOptions) ([]byte, error) {
	f := File{
		Version: Version,
		Stack: StackSpec{
			Name: st.Name, Description: st.Description, Environment: st.Environment,
			JoinNetworks: slices.Clone(st.JoinNetworks),
			ComposeMode:  nonDefault(st.ComposeMode, core.ComposeModeStack),
			EndpointMode: nonDefault(st.EndpointMode, core.EndpointDNSRR),
		},
		Wires: slices.Clone(st.Wires),
	}
	var sealer *valueSealer
	if opt.Secrets == Seal {
		kdf := opt.KDF
		if kdf == nil {
			p, err := secrets.DefaultKDF()
			if err != nil {
				return nil, err
			}
			kdf = &p
		}
		key, err := secrets.DeriveKey(opt.Passphrase, *kdf)
		if err != nil {
			return nil, err
		}
		f.Sealing = kdf
		sealer = &valueSealer{key: key}
	}
	w := writer{mode: opt.Secrets, sealer: sealer, dir: opt.Dir}

	used := map[string]bool{}
	for _, inst := range st.Instances {
		used[inst.Template] = true
	}
	byName := make(map[string]core.Template, len(templates))
	for _, t := range templates {
		byName[t.Name] = t
	}
	for _, t := range templates {
		if !used[t.Name] || t.Builtin {
			continue
		}
		if f.Templates == nil {
			f.Templates = map[string]*TemplateSpec{}
		}
		spec, err := w.template(t)
		if err != nil {
			return nil, err
		}
		f.Templates[t.Name] = spec
	}
	for _, inst := range st.Instances {
		if f.Instances == nil {
			f.Instances = map[string]*InstanceSpec{}
		}
		// A key or file the template marks secret is secret in the
		// instance too, even if stored with a plain flag: it is redacted or
		// sealed like any secret. (inst is a copy; its maps are copied
		// before a change.)
		if t, ok := byName[inst.Template]; ok {
			core.InheritSecrecy(&inst, t)
		}
		spec, err := w.instance(inst)
		if err != nil {
			return nil, err
		}
		f.Instances[inst.Name] = spec
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&f); err != nil {
		return nil, fmt.Errorf("encode devarch.yml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode devarch.yml: %w", err)
	}
	return buf.Bytes(), nil
}

type valueSealer struct{ key secrets.Key }

type writer struct {
	mode   SecretMode
	sealer *valueSealer
	dir    string
}

func (w writer) value(v core.EnvVar, path string) (Value, error) {
	if !v.Secret {
		return Value{EnvVar: v}, nil
	}
	switch w.mode {
	case Seal:
		s, err := secrets.SealString(w.sealer.key, v.Value, path)
		if err != nil {
			return Value{}, fmt.Errorf("%s: seal: %w", path, err)
		}
		return Value{EnvVar: core.EnvVar{Secret: true}, Sealed: s}, nil
	case Plaintext:
		return Value{EnvVar: v}, nil
	}
	return Value{EnvVar: core.EnvVar{Value: core.Redacted, Secret: true}}, nil
}

func (w writer) env(env map[string]core.EnvVar, path string) (map[string]Value, error) {
	if len(env) == 0 {
		return nil, nil
	}
	out := make(map[string]Value, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v, err := w.value(env[k], path+"."+k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (w writer) file(f core.ConfigFile, path string) (*FileSpec, error) {
	spec := &FileSpec{Sensitive: f.Sensitive}
	if f.Mode != 0 {
		spec.Mode = fmt.Sprintf("%04o", f.Mode)
	}
	if !f.Sensitive {
		spec.Content = f.Content
		return spec, nil
	}
	switch w.mode {
	case Seal:
		s, err := secrets.SealString(w.sealer.key, f.Content, path)
		if err != nil {
			return nil, fmt.Errorf("%s: seal: %w", path, err)
		}
		spec.Sealed = s
	case Plaintext:
		spec.Content = f.Content
	default:
		spec.Redacted = true
	}
	return spec, nil
}

func (w writer) files(files map[string]core.ConfigFile, path string) (map[string]*FileSpec, error) {
	if len(files) == 0 {
		return nil, nil
	}
	out := make(map[string]*FileSpec, len(files))
	for target, f := range files {
		spec, err := w.file(f, path+"."+target)
		if err != nil {
			return nil, err
		}
		out[target] = spec
	}
	return out, nil
}

func (w writer) template(t core.Template) (*TemplateSpec, error) {
	path := "templates." + t.Name
	env, err := w.env(t.Env, path+".env")
	if err != nil {
		return nil, err
	}
	byTarget := map[string]core.ConfigFile{}
	for _, f := range t.Files {
		byTarget[f.Target] = f
	}
	files, err := w.files(byTarget, path+".files")
	if err != nil {
		return nil, err
	}
	spec := &TemplateSpec{Template: t, Env: env, Files: files}
	spec.Template.Env, spec.Template.Files = nil, nil
	spec.Template.Build = core.RelativeBuild(t.Build, w.dir)
	return spec, nil
}

func (w writer) instance(inst core.Instance) (*InstanceSpec, error) {
	o := inst.Overrides
	path := "instances." + inst.Name
	env, err := w.env(o.Env, path+".env")
	if err != nil {
		return nil, err
	}
	files, err := w.files(o.Files, path+".files")
	if err != nil {
		return nil, err
	}
	spec := &InstanceSpec{Template: inst.Template, Overrides: o, Env: env, Files: files}
	spec.Overrides.Env, spec.Overrides.Files = nil, nil
	spec.Overrides.Build = core.RelativeBuild(o.Build, w.dir)
	if !inst.Enabled {
		spec.Enabled = new(false)
	}
	return spec, nil
}

func parseMode(s string) (uint32, error) {
	if s == "" {
		return 0, nil
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("mode %q: must be octal 0000-0777, like \"0640\"", s)
	}
	return uint32(m), nil
}

// nonDefault is mode, or "" when it is def: a stack in the default modes
// exports as it did before the modes existed.
func nonDefault(mode, def string) string {
	if mode == def {
		return ""
	}
	return mode
}
