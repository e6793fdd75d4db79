package core

import (
	"encoding/json"
	"maps"
	"slices"
)

// Redaction: every value that leaves the daemon for a client goes through
// one of the functions below. Secret env values and sensitive file contents
// print as Redacted; free text that merely contains a secret value
// (commands, labels, other env values) has the value replaced in place.
// None of them modifies its argument: maps and slices are copied before a
// change. Scrubbing runtime output (logs, job messages) is in scrub.go.

// RedactEnvVar returns v's value for display: Redacted when it is secret.
func RedactEnvVar(v EnvVar) string {
	if v.Secret {
		return Redacted
	}
	return v.Value
}

// RedactEnv returns a copy of env with every secret value replaced by
// Redacted.
func RedactEnv(env map[string]EnvVar) map[string]EnvVar {
	if env == nil {
		return nil
	}
	out := make(map[string]EnvVar, len(env))
	for k, v := range env {
		out[k] = EnvVar{Value: RedactEnvVar(v), Secret: v.Secret}
	}
	return out
}

// RedactFile returns f with its content replaced by Redacted when it is
// sensitive.
func RedactFile(f ConfigFile) ConfigFile {
	if f.Sensitive {
		f.Content = Redacted
	}
	return f
}

// RedactFiles returns a copy of files with sensitive contents redacted.
func RedactFiles(files []ConfigFile) []ConfigFile {
	if files == nil {
		return nil
	}
	out := make([]ConfigFile, len(files))
	for i, f := range files {
		out[i] = RedactFile(f)
	}
	return out
}

// RedactService returns a copy of s with secret env values and sensitive
// file contents redacted.
func RedactService(s Service) Service {
	s.Env = RedactEnv(s.Env)
	s.Files = RedactFiles(s.Files)
	return s
}

// RedactTemplate returns a copy of t with secrets redacted.
func RedactTemplate(t Template) Template {
	t.Env = RedactEnv(t.Env)
	t.Files = RedactFiles(t.Files)
	return t
}

// RedactOverrides returns a copy of o with secrets redacted.
func RedactOverrides(o Overrides) Overrides {
	o.Env = RedactEnv(o.Env)
	if o.Files != nil {
		files := make(map[string]ConfigFile, len(o.Files))
		for k, f := range o.Files {
			files[k] = RedactFile(f)
		}
		o.Files = files
	}
	return o
}

// RedactInstance returns inst with secret override values redacted; tpl is
// its template. An instance an edit is building (the answer of instance
// add, set or rename is made before the stack is stored) does not carry the
// secret flags its template gives yet, so they are applied here first; a
// stored instance has them already (every write sets them, and the store's
// schema migration 3 set them on data stored before).
func RedactInstance(inst Instance, tpl Template) Instance {
	InheritSecrecy(&inst, tpl)
	inst.Overrides = RedactOverrides(inst.Overrides)
	return inst
}

// RedactStack returns a copy of st with every instance's secret overrides
// redacted. The flags are the overrides' own: give a stack whose overrides
// inherited their templates' flags (InheritStackSecrecy) to also hide a
// secret key stored with a plain flag.
func RedactStack(st Stack) Stack {
	if st.Instances != nil {
		insts := make([]Instance, len(st.Instances))
		for i, in := range st.Instances {
			in.Overrides = RedactOverrides(in.Overrides)
			insts[i] = in
		}
		st.Instances = insts
	}
	return st
}

// DesiredView is a desired state fit to leave the daemon. Only
// RedactDesired makes one holding values (a client also decodes one from
// the daemon's answer), so a type holding a DesiredView cannot carry a
// secret value by mistake. It encodes exactly as the Desired it holds.
type DesiredView struct{ d Desired }

// Desired returns the redacted desired state.
func (v DesiredView) Desired() Desired { return v.d }

// MarshalJSON encodes v as its Desired.
func (v DesiredView) MarshalJSON() ([]byte, error) { return json.Marshal(v.d) }

// UnmarshalJSON decodes a Desired a daemon redacted.
func (v *DesiredView) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.d) }

// RedactDesired returns a deep copy of d fit to leave the daemon: every
// secret env value and sensitive file content is Redacted, and any secret
// value found inside free text (commands, entrypoints, labels, plain env
// values, plain file contents, healthchecks, compose fragments, export env,
// warnings) is replaced by Redacted.
func RedactDesired(d Desired) DesiredView {
	return DesiredView{redactDesired(d, SecretValues(&d))}
}

// redactDesired is RedactDesired with the secret values of free text given.
func redactDesired(d Desired, secrets []string) Desired {
	// One scrubber for every string: building it (every form of every
	// secret, sorted) costs more than a scrub.
	scrub := NewScrubber(secrets, nil).Scrub
	out := d
	out.JoinNetworks = slices.Clone(d.JoinNetworks)
	out.Wires = slices.Clone(d.Wires)
	out.Unresolved = slices.Clone(d.Unresolved)
	out.Order = slices.Clone(d.Order)
	out.Warnings = slices.Clone(d.Warnings)
	for i := range out.Warnings {
		out.Warnings[i].Message = scrub(out.Warnings[i].Message)
		out.Warnings[i].Hint = scrub(out.Warnings[i].Hint)
	}
	if d.Services == nil {
		return out
	}
	out.Services = make([]WiredService, len(d.Services))
	for i, s := range d.Services {
		s.Command = scrubList(s.Command, scrub)
		s.Entrypoint = scrubList(s.Entrypoint, scrub)
		if s.Env != nil {
			env := make(map[string]EnvVar, len(s.Env))
			for k, v := range s.Env {
				if v.Secret {
					v.Value = Redacted
				} else {
					v.Value = scrub(v.Value)
				}
				env[k] = v
			}
			s.Env = env
		}
		if s.Labels != nil {
			labels := make(map[string]string, len(s.Labels))
			for k, v := range s.Labels {
				labels[k] = scrub(v)
			}
			s.Labels = labels
		}
		if s.Files != nil {
			files := slices.Clone(s.Files)
			for j := range files {
				if files[j].Sensitive {
					files[j].Content = Redacted
				} else {
					files[j].Content = scrub(files[j].Content)
				}
			}
			s.Files = files
		}
		if s.Healthcheck != nil {
			h := *s.Healthcheck
			h.Test = scrubList(h.Test, scrub)
			s.Healthcheck = &h
		}
		s.Compose = scrub(s.Compose)
		if s.Build != nil {
			b := s.Build.Clone()
			for k, v := range b.Args {
				b.Args[k] = scrub(v)
			}
			s.Build = b
		}
		s.Needs = maps.Clone(s.Needs)
		s.Aliases = slices.Clone(s.Aliases)
		s.Ports = slices.Clone(s.Ports)
		s.Volumes = slices.Clone(s.Volumes)
		s.Domains = slices.Clone(s.Domains)
		s.Exports = scrubExports(s.Exports, scrub)
		s.Imports = slices.Clone(s.Imports)
		s.InjectedEnv = slices.Clone(s.InjectedEnv)
		s.DependsOn = slices.Clone(s.DependsOn)
		out.Services[i] = s
	}
	return out
}

func scrubList(xs []string, scrub func(string) string) []string {
	if xs == nil {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = scrub(x)
	}
	return out
}

func scrubExports(es []Export, scrub func(string) string) []Export {
	if es == nil {
		return nil
	}
	out := make([]Export, len(es))
	for i, e := range es {
		e.Env = maps.Clone(e.Env)
		for k, v := range e.Env {
			e.Env[k] = scrub(v)
		}
		out[i] = e
	}
	return out
}
