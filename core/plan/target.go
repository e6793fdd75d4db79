package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// Included is an instance a targeted plan takes in besides its targets: a
// provider a target depends on that is not running yet.
type Included struct {
	Instance string `json:"instance"`
	For      string `json:"for"` // the instance that depends on it
}

// LeftOut is a pending change a targeted plan does not carry out.
type LeftOut struct {
	Instance string `json:"instance"`
	Action   Action `json:"action"`
}

// Target narrows p, computed over the whole stack from in, to the
// instances in targets, as terraform's -target does:
//
//   - a target must be an instance of the stack (desired or applied);
//   - a provider a target depends on (wired or declared depends_on),
//     directly or through another provider, whose change is a create (it
//     never ran, or its container is gone) is taken in and named in
//     Included;
//   - every other change is left out and listed in LeftOut; the network
//     is created when a target needs it, and never deleted while an
//     instance left out runs;
//   - Desired becomes what the runtime runs once the plan is applied: the
//     targets (and included providers) as desired, every other instance as
//     the applied snapshot has it (absent when it was never applied). It
//     is what apply records as applied, so the next plan still shows the
//     changes left out.
//
// In stack mode Basis and StateHash stay those of the whole stack: a saved
// targeted plan is stale whenever the untargeted one would be (its apply
// brings the whole project up). In per-service mode (not on a swarm) they
// cover the whole desired state but only the plan's instances (targets
// and included providers) of the applied snapshot and the live
// containers (scopedBasisOf): an apply of other instances, such as a
// concurrent targeted apply, leaves it fresh, since this plan's apply
// touches only its instances' projects and records only them. A target
// whose change would leave an instance depending on one that does not run
// is refused.
func Target(p Plan, in Input, targets []string) (Plan, error) {
	if len(targets) == 0 {
		return p, nil
	}
	if p.Destroy {
		return p, core.Errf("target", "does not apply to a destroy: destroy removes the whole stack")
	}
	if modeSwitch(in) {
		return p, core.Errf("target", "does not apply while the stack switches compose mode: every container moves to another project; apply the whole stack")
	}
	known := map[string]bool{}
	for _, s := range in.Desired.Services {
		known[s.Instance] = true
	}
	if in.Applied != nil {
		for _, s := range in.Applied.Services {
			known[s.Instance] = true
		}
	}
	for _, c := range p.Changes {
		known[c.Instance] = true
	}
	var unknown []string
	sel := map[string]bool{}
	for _, t := range targets {
		if !known[t] {
			unknown = append(unknown, t)
		}
		sel[t] = true
	}
	if len(unknown) > 0 {
		return p, core.Errf("target", fmt.Sprintf("%s: no such instance in stack %q (see `devarch instance ls %s`)",
			strings.Join(unknown, ", "), p.Stack, p.Stack))
	}

	byInstance := map[string]ResourceChange{}
	for _, c := range p.Changes {
		byInstance[c.Instance] = c
	}
	var included []Included
	queue := slices.Sorted(maps.Keys(sel))
	for len(queue) > 0 {
		inst := queue[0]
		queue = queue[1:]
		svc, ok := in.Desired.Service(inst)
		if !ok || !svc.Enabled {
			continue
		}
		for _, dep := range svc.DependsOn {
			if sel[dep.Instance] {
				continue
			}
			if c, ok := byInstance[dep.Instance]; ok && c.Action == Create {
				sel[dep.Instance] = true
				included = append(included, Included{Instance: dep.Instance, For: inst})
				queue = append(queue, dep.Instance)
			}
		}
	}

	slices.SortFunc(included, func(a, b Included) int { return strings.Compare(a.Instance, b.Instance) })
	out := p
	out.Targets = slices.Sorted(slices.Values(dedupe(targets)))
	out.Included = included
	out.Changes, out.LeftOut = nil, nil
	for _, c := range p.Changes {
		if sel[c.Instance] {
			out.Changes = append(out.Changes, c)
		} else {
			out.LeftOut = append(out.LeftOut, LeftOut{Instance: c.Instance, Action: c.Action})
		}
	}
	out.Desired = Mix(in.Desired, in.Applied, sel)
	if err := checkDependencies(out.Desired, sel); err != nil {
		return p, err
	}
	running := len(enabledServices(&out.Desired)) > 0
	if out.Network == Delete && running {
		out.Network = NoOp
	}
	if out.Network == Create && !running {
		out.Network = NoOp
	}
	if perServiceScope(in) {
		out.Basis = scopedBasisOf(in, out.Instances())
		out.StateHash = stateHashOf(out.Basis, in.Destroy)
	}
	out.Summary = summarize(out.Changes)
	out.Warnings = nil
	for _, w := range p.Warnings {
		if inst, ok := driftInstance(w); ok && !sel[inst] {
			continue
		}
		out.Warnings = append(out.Warnings, w)
	}
	if len(out.LeftOut) > 0 {
		var names []string
		for _, l := range out.LeftOut {
			names = append(names, l.Action.Word()+" "+l.Instance)
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"targeted plan: %d pending change(s) left out (%s); a plan without --target shows them",
			len(out.LeftOut), strings.Join(names, ", ")))
	}
	for _, t := range DisabledTargets(out, in) {
		out.Warnings = append(out.Warnings, disabledTargetRule(t)+"; "+enableHint(p.Stack, t))
	}
	return out, nil
}

// DisabledTargets are the targets of the targeted plan p (of in) that
// are disabled and have nothing to do: no container to remove. A plan
// names them in its warnings; apply refuses them (DisabledTargetsError),
// as a targeted apply of them would do nothing.
func DisabledTargets(p Plan, in Input) []string {
	var out []string
	for _, t := range p.Targets {
		svc, ok := in.Desired.Service(t)
		if !ok || svc.Enabled {
			continue
		}
		if slices.ContainsFunc(p.Changes, func(c ResourceChange) bool { return c.Instance == t }) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// DisabledTargetsError is the refusal of an apply targeting instances
// DisabledTargets names; nil when there are none.
func DisabledTargetsError(p Plan, in Input) error {
	ts := DisabledTargets(p, in)
	if len(ts) == 0 {
		return nil
	}
	return &core.FieldError{Field: "target", Rule: disabledTargetRule(strings.Join(ts, ", ")), Hint: enableHint(p.Stack, ts[0])}
}

func disabledTargetRule(names string) string {
	return "instance " + names + " is disabled: a targeted apply has nothing to do for it"
}

func enableHint(stack, inst string) string {
	return "enable it with `devarch instance set " + stack + " " + inst + " --enable`"
}

// perServiceScope reports whether a targeted plan of in runs only its own
// instances' projects: per-service mode, on a runtime that has it.
func perServiceScope(in Input) bool {
	return in.Runtime != "swarm" && core.EffectiveComposeMode(in.Desired.ComposeMode) == core.ComposeModePerService
}

// Instances are the instances a targeted plan applies, sorted: its
// targets and the providers it includes; nil for a plan of the whole
// stack.
func (p *Plan) Instances() []string {
	if len(p.Targets) == 0 {
		return nil
	}
	out := slices.Clone(p.Targets)
	for _, in := range p.Included {
		out = append(out, in.Instance)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Scoped reports whether p is a targeted plan whose apply touches only its
// Instances (per-service mode): such applies of disjoint instances may run
// side by side.
func (p *Plan) Scoped() bool { return len(p.Basis.Instances) > 0 }

// driftInstance is the instance a drift warning (driftNote) names.
func driftInstance(w string) (string, bool) {
	rest, ok := strings.CutPrefix(w, "instance ")
	if !ok || !strings.HasSuffix(w, "; apply will converge it") {
		return "", false
	}
	inst, _, ok := strings.Cut(rest, ":")
	return inst, ok
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Mix is what runs once part of a stack is applied (a targeted plan, or a
// per-service apply in which some instances failed): want's services for
// the selected instances, applied's for the others (an unselected
// instance never applied is left out). Stack-wide fields are want's.
func Mix(want core.Desired, applied *core.Desired, sel map[string]bool) core.Desired {
	out := want
	out.Services, out.Wires, out.Unresolved, out.Order = nil, nil, nil, nil
	var prev core.Desired
	if applied != nil {
		prev = *applied
	}
	from := map[string]string{} // instance: "want" or "applied"
	for _, s := range want.Services {
		if sel[s.Instance] {
			out.Services = append(out.Services, s)
			from[s.Instance] = "want"
		}
	}
	for _, s := range prev.Services {
		if !sel[s.Instance] {
			// A stop is intent of now, not of the last apply: an instance
			// left out keeps its applied config but the current intent.
			s.Stopped = false
			if w, ok := want.Service(s.Instance); ok {
				s.Stopped = w.Stopped && s.Enabled
			}
			out.Services = append(out.Services, s)
			from[s.Instance] = "applied"
		}
	}
	slices.SortFunc(out.Services, func(a, b core.WiredService) int { return strings.Compare(a.Instance, b.Instance) })
	for _, w := range want.Wires {
		if from[w.Consumer] == "want" {
			out.Wires = append(out.Wires, w)
		}
	}
	for _, w := range prev.Wires {
		if from[w.Consumer] == "applied" {
			out.Wires = append(out.Wires, w)
		}
	}
	for _, u := range want.Unresolved {
		if from[u.Consumer] == "want" {
			out.Unresolved = append(out.Unresolved, u)
		}
	}
	enabled := enabledServices(&out)
	for _, order := range [][]string{want.Order, prev.Order} {
		for _, inst := range order {
			if enabled[inst] != nil && !slices.Contains(out.Order, inst) {
				out.Order = append(out.Order, inst)
			}
		}
	}
	for _, inst := range sortedKeys(enabled) {
		if !slices.Contains(out.Order, inst) {
			out.Order = append(out.Order, inst)
		}
	}
	return out
}

// checkDependencies refuses a mix in which an enabled instance depends on
// one that would not run: a target removed or disabled that an instance
// left out still needs, or a target that needs an instance left out.
func checkDependencies(d core.Desired, sel map[string]bool) error {
	enabled := enabledServices(&d)
	for _, inst := range sortedKeys(enabled) {
		for _, dep := range enabled[inst].DependsOn {
			if enabled[dep.Instance] != nil || dep.Optional {
				continue
			}
			add := inst
			if !sel[dep.Instance] {
				add = dep.Instance
			}
			return core.Errf("target", fmt.Sprintf("instance %s depends on %s, which would not run after this targeted apply; add --target %s",
				inst, dep.Instance, add))
		}
	}
	return nil
}
