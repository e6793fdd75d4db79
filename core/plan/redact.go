package plan

import (
	"slices"

	"github.com/devarch-dev/devarch/core"
)

// Redact returns the View of p fit to leave the daemon: its Desired is
// redacted (core.RedactDesired), every secret field change shows
// core.Redacted, and any secret value of p's desired state found in a
// field change, a reason or a warning is replaced by core.Redacted. p
// itself is not modified.
func Redact(p Plan) View { return redact(p, true) }

// RedactChanges is Redact without the desired state: the View's Desired
// is left empty. A client that prints the plan needs nothing of it, and
// for a large stack it is most of the View (about 0.6 MB of JSON for 500
// instances) and of the time spent redacting.
func RedactChanges(p Plan) View { return redact(p, false) }

func redact(p Plan, desired bool) View {
	secrets := core.SecretValues(&p.Desired)
	// One scrubber for every string: building it (every form of every
	// secret, sorted) costs more than a scrub. It is built at the first
	// string to scrub: a plan of creates has no reason or warning.
	var sc *core.Scrubber
	scrub := func(s string) string {
		if s == "" {
			return s
		}
		if sc == nil {
			sc = core.NewScrubber(secrets, nil)
		}
		return sc.Scrub(s)
	}
	v := View{
		ID: p.ID, Stack: p.Stack, Lineage: p.Lineage, Serial: p.Serial,
		StateHash: p.StateHash, CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt,
		Destroy: p.Destroy, Runtime: p.Runtime, RuntimeKind: p.RuntimeKind,
		Network: p.Network, Summary: p.Summary,
		Wires: slices.Clone(p.Wires),
		Basis: p.Basis,

		Stopped:  slices.Clone(p.Stopped),
		Starts:   slices.Clone(p.Starts),
		Targets:  slices.Clone(p.Targets),
		Included: slices.Clone(p.Included),
		LeftOut:  slices.Clone(p.LeftOut),
	}
	if desired {
		v.Desired = core.RedactDesired(p.Desired)
	}
	v.Basis.Live = slices.Clone(p.Basis.Live)
	if p.AppliedAt != nil {
		t := *p.AppliedAt
		v.AppliedAt = &t
	}
	if p.Changes != nil {
		v.Changes = make([]ResourceChange, len(p.Changes))
		for i, c := range p.Changes {
			c.Fields = slices.Clone(c.Fields)
			for j := range c.Fields {
				f := &c.Fields[j]
				if !f.Secret && (core.ContainsSecret(f.Old, secrets) || core.ContainsSecret(f.New, secrets)) {
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
			v.Changes[i] = c
		}
	}
	if p.Warnings != nil {
		v.Warnings = make([]string, len(p.Warnings))
		for i, w := range p.Warnings {
			v.Warnings[i] = scrub(w)
		}
	}
	return v
}
