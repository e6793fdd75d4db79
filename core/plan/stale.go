package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// StaleError says why a saved plan can no longer be applied.
type StaleError struct {
	PlanID string
	Stack  string   // the stack the plan is for
	Kind   string   // the first reason's kind: one of the Stale* constants
	What   []string // what changed since the plan, one entry per part
	// Runtime is the kind of runtime the plan was made for (with
	// StaleRuntime: not the one it is applied with).
	Runtime string
}

// Kinds of staleness, in the order Staleness checks them.
const (
	StaleOtherStack = "other-stack"
	StaleApplied    = "applied"
	StaleExpired    = "expired"
	StaleRuntime    = "runtime"
	StaleDestroy    = "destroy"
	StaleLineage    = "lineage"
	StaleSerial     = "serial"
	StaleDesired    = "desired"
	StaleSnapshot   = "snapshot"
	StaleLive       = "live"
	StaleImages     = "images"
)

func (e *StaleError) Error() string {
	id := e.PlanID
	if id == "" {
		id = "(unsaved)"
	}
	switch e.Kind {
	case StaleOtherStack, StaleApplied, StaleExpired, StaleRuntime:
		return "plan " + id + " " + strings.Join(e.What, "; ")
	}
	return "plan " + id + " is stale: " + strings.Join(e.What, "; ")
}

// Hint says how to get a plan that applies.
func (e *StaleError) Hint() string {
	again := "run `plan` again"
	if e.Stack != "" {
		again = "run `plan " + e.Stack + "` again"
	}
	if e.Kind == StaleRuntime && e.Runtime != "" {
		return "apply it with `--runtime " + e.Runtime + "`, or " + again + " on this runtime"
	}
	return again
}

// IsStale reports whether err (or an error it wraps) is a *StaleError.
func IsStale(err error) bool {
	var se *StaleError
	return errors.As(err, &se)
}

// Staleness checks a saved plan against the state it would be applied to
// now. It returns nil when the plan is fresh, else a *StaleError saying
// what changed since: another stack, already applied, expired, another
// runtime (a plan is bound to the runtime kind it was made for), lineage
// (the stack was re-created), serial, desired configuration (templates or
// secrets), the applied snapshot, or which live containers changed.
func Staleness(saved Plan, in Input, now time.Time) error {
	e := &StaleError{PlanID: saved.ID, Stack: saved.Stack}
	fail := func(kind, format string, args ...any) {
		if e.Kind == "" {
			e.Kind = kind
		}
		e.What = append(e.What, fmt.Sprintf(format, args...))
	}
	switch {
	case in.Desired.Stack != "" && saved.Stack != in.Desired.Stack:
		fail(StaleOtherStack, "is for stack %q, not %q", saved.Stack, in.Desired.Stack)
	case saved.AppliedAt != nil:
		fail(StaleApplied, "was already applied at %s", saved.AppliedAt.UTC().Format(time.RFC3339))
	case !saved.ExpiresAt.IsZero() && !now.Before(saved.ExpiresAt):
		fail(StaleExpired, "expired at %s", saved.ExpiresAt.UTC().Format(time.RFC3339))
	case saved.RuntimeKind != in.Runtime:
		// Its changes and the live containers it assumed are another
		// engine's.
		e.Runtime = saved.RuntimeKind
		fail(StaleRuntime, "was made for runtime %s, not %s", saved.RuntimeKind, in.Runtime)
	}
	if e.Kind != "" {
		return e
	}

	if saved.Destroy != in.Destroy {
		if saved.Destroy {
			fail(StaleDestroy, "the plan destroys stack %q but this is not a destroy", saved.Stack)
		} else {
			fail(StaleDestroy, "the plan does not destroy stack %q", saved.Stack)
		}
	}
	if saved.Lineage != in.Desired.Lineage {
		fail(StaleLineage, "stack %q was deleted and re-created since the plan (lineage %s, plan has %s)",
			saved.Stack, orNone(in.Desired.Lineage), orNone(saved.Lineage))
	} else if saved.Serial != in.Desired.Serial {
		fail(StaleSerial, "stack %q changed since the plan (serial %d → %d)", saved.Stack, saved.Serial, in.Desired.Serial)
	}
	now2 := currentBasis(saved, in)
	if saved.Basis.DesiredHash != now2.DesiredHash && e.Kind != StaleLineage && e.Kind != StaleSerial {
		fail(StaleDesired, "the desired configuration changed since the plan (a template, secret or wiring changed)")
	}
	if saved.Basis.AppliedHash != now2.AppliedHash {
		switch {
		case len(now2.Instances) > 0:
			fail(StaleSnapshot, "the applied state of instance(s) %s changed since the plan", strings.Join(now2.Instances, ", "))
		case saved.Basis.AppliedHash == "none":
			fail(StaleSnapshot, "the stack was applied since the plan (applied serial %d)", now2.AppliedSerial)
		case now2.AppliedHash == "none":
			fail(StaleSnapshot, "the applied snapshot was removed since the plan (the stack was destroyed)")
		case saved.Basis.AppliedSerial != now2.AppliedSerial:
			fail(StaleSnapshot, "the applied snapshot changed since the plan (applied serial %d → %d)",
				saved.Basis.AppliedSerial, now2.AppliedSerial)
		default:
			fail(StaleSnapshot, "the applied snapshot changed since the plan")
		}
	}
	if saved.Basis.Images != now2.Images {
		fail(StaleImages, "a build context or a local image changed since the plan")
	}
	if diff := liveDiff(saved.Basis.Live, now2.Live); len(diff) > 0 {
		fail(StaleLive, "live containers changed since the plan: %s", strings.Join(diff, ", "))
	}
	if e.Kind == "" && saved.StateHash != "" && saved.StateHash != stateHashOf(now2, in.Destroy) {
		fail(StaleDesired, "the state changed since the plan")
	}
	if e.Kind != "" {
		return e
	}
	return nil
}

// liveDiff describes how the live containers changed, by name.
func liveDiff(old, cur []LiveContainer) []string {
	om := map[string]LiveContainer{}
	for _, c := range old {
		om[c.Name] = c
	}
	cm := map[string]LiveContainer{}
	for _, c := range cur {
		cm[c.Name] = c
	}
	var out []string
	for _, name := range unionKeys(om, cm) {
		o, okO := om[name]
		c, okC := cm[name]
		switch {
		case !okO:
			out = append(out, name+" appeared ("+stateWord(c.State)+")")
		case !okC:
			out = append(out, name+" is gone")
		case o.State != c.State:
			out = append(out, fmt.Sprintf("%s %s → %s", name, stateWord(o.State), stateWord(c.State)))
		case o.Image != c.Image:
			out = append(out, fmt.Sprintf("%s image %s → %s", name, o.Image, c.Image))
		case o.Lineage != c.Lineage || o.Instance != c.Instance:
			out = append(out, name+" was replaced")
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
