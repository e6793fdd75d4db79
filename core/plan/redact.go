package plan

import (
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// Redact returns a copy of p fit to leave the daemon: every secret env
// value and sensitive file content in Desired is core.Redacted, every
// secret field change shows core.Redacted, and any secret value that
// appears inside free text (commands, entrypoints, labels, healthchecks,
// compose fragments, other env values, warnings) is replaced by
// core.Redacted. p itself is not modified.
func Redact(p Plan) Plan {
	secrets := secretValues(&p.Desired)
	scrub := func(s string) string {
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, core.Redacted)
		}
		return s
	}
	out := p
	out.Desired = redactDesired(p.Desired, scrub)
	out.Changes = make([]ResourceChange, len(p.Changes))
	for i, c := range p.Changes {
		c.Fields = slices.Clone(c.Fields)
		for j := range c.Fields {
			f := &c.Fields[j]
			if !f.Secret && (containsSecret(f.Old, secrets) || containsSecret(f.New, secrets)) {
				f.Secret = true
			}
			if f.Secret {
				if f.Old != "" {
					f.Old = core.Redacted
				}
				if f.New != "" {
					f.New = core.Redacted
				}
			}
		}
		c.Reason = scrub(c.Reason)
		out.Changes[i] = c
	}
	if p.Changes == nil {
		out.Changes = nil
	}
	out.Warnings = make([]string, len(p.Warnings))
	for i, w := range p.Warnings {
		out.Warnings[i] = scrub(w)
	}
	if p.Warnings == nil {
		out.Warnings = nil
	}
	out.Wires = slices.Clone(p.Wires)
	out.Basis.Live = slices.Clone(p.Basis.Live)
	if p.AppliedAt != nil {
		t := *p.AppliedAt
		out.AppliedAt = &t
	}
	return out
}

// redactDesired deep-copies d with secrets redacted.
func redactDesired(d core.Desired, scrub func(string) string) core.Desired {
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
	out.Services = make([]core.WiredService, len(d.Services))
	for i, s := range d.Services {
		s.Command = scrubList(s.Command, scrub)
		s.Entrypoint = scrubList(s.Entrypoint, scrub)
		if s.Env != nil {
			env := make(map[string]core.EnvVar, len(s.Env))
			for k, v := range s.Env {
				if v.Secret {
					v.Value = core.Redacted
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
					files[j].Content = core.Redacted
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
		s.Ports = slices.Clone(s.Ports)
		s.Volumes = slices.Clone(s.Volumes)
		s.Domains = slices.Clone(s.Domains)
		s.Exports = cloneExports(s.Exports, scrub)
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

func cloneExports(es []core.Export, scrub func(string) string) []core.Export {
	if es == nil {
		return nil
	}
	out := make([]core.Export, len(es))
	for i, e := range es {
		e.Env = maps.Clone(e.Env)
		for k, v := range e.Env {
			e.Env[k] = scrub(v)
		}
		out[i] = e
	}
	return out
}
