package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// Input is everything a plan is computed from.
type Input struct {
	// Desired is the stack's desired state (effective configs plus wiring).
	Desired core.Desired
	// Applied is the last applied snapshot, nil when the stack was never
	// applied (or was destroyed).
	Applied *core.Desired
	// Live are the containers carrying the stack's devarch labels.
	Live []LiveContainer
	// Destroy plans the removal of everything the stack runs.
	Destroy bool
	// Runtime is the kind of runtime ("docker", "podman") Live was read
	// from and the plan would be applied with; empty when unknown.
	Runtime string
	// Builds are the digests of the inputs of the enabled instances'
	// builds, by instance, computed by the daemon (core does no I/O);
	// AppliedBuilds are the ones the applied snapshot recorded. An
	// instance that builds with no recorded digest (applied before
	// digests were recorded) is rebuilt: its inputs are unknown.
	Builds, AppliedBuilds map[string]core.BuildDigest
	// Images are the image IDs the enabled instances' images resolve to
	// locally now, by instance (missing: not present locally, or not
	// looked up); AppliedImages are the IDs of the images the applied
	// containers were created from. A moved tag is a replace.
	Images, AppliedImages map[string]string
	// ForceBuild rebuilds every enabled instance that builds (apply --build).
	ForceBuild bool
}

// Reasons a change carries besides plain configuration changes.
const (
	ReasonImageChanged = "image changed"
	ReasonMissing      = "container missing (drift)"
	ReasonUnrecorded   = "container exists but is not in the applied snapshot (drift)"
	ReasonDisabled     = "instance disabled"
	ReasonRemoved      = "instance removed"
	ReasonDestroy      = "stack destroyed"
	ReasonBuildForced  = "build asked for"
	ReasonBuildUnknown = "build inputs not recorded by the last apply"
	ReasonBuildMissing = "image not built yet"
	ReasonBuildNew     = "image built first"
)

// Compute diffs in.Desired against the applied snapshot and the live
// containers. Its rules:
//
//   - enabled in Desired, not applied, no container: + create.
//   - applied (or running) but removed or disabled in Desired: - delete.
//   - in both: every field is compared (image, command, entrypoint, user,
//     restart, env per key, labels per key, ports, volumes, healthcheck,
//     files by target, depends_on, networks, domains, compose fragment).
//     Compose recreates a container for any configuration change while
//     keeping its volumes, so a configuration change is ~ update. An image
//     change is ± replace: the container is rebuilt from another image. A
//     live container of an earlier stack with the same name (another
//     lineage) is ± replace as well.
//   - drift: applied but the container is missing is + create; applied
//     but not running is ~ update; a container devarch never recorded as
//     applied is ~ update. An instance with replicas counts its running
//     containers (fewer than it wants is ~ update); one scaled to zero
//     replicas runs none, which is not drift.
//   - stopped by the user (core.Instance.Stopped): a container that exists
//     but does not run is what was asked, not drift; a missing one is
//     still + create (apply creates it without starting it).
//   - Destroy: every live container is - delete.
//
// The network is + when the stack starts running enabled instances and -
// when nothing is left to run. Changes are sorted by instance. The live
// image is not compared: runtimes report it in forms (short names, image
// IDs) that differ from the configured reference without any change.
func Compute(in Input) Plan {
	stack := in.Desired.Stack
	p := Plan{
		Stack:   stack,
		Lineage: in.Desired.Lineage,
		Serial:  in.Desired.Serial,
		Destroy: in.Destroy,
		Desired: in.Desired,
		Basis:   basisOf(in),

		RuntimeKind: in.Runtime,
	}
	p.StateHash = stateHashOf(p.Basis, in.Destroy)
	live := liveByInstance(stack, in.Live)
	applied := enabledServices(in.Applied)
	existed := len(in.Live) > 0 || len(applied) > 0

	if in.Destroy {
		for _, inst := range sortedKeys(live) {
			c := live[inst]
			p.Changes = append(p.Changes, ResourceChange{
				Instance: inst, Container: strings.TrimPrefix(c.Name, "/"), Template: templateOf(inst, in),
				Action: Delete, Reason: ReasonDestroy,
			})
		}
		if existed {
			p.Network = Delete
		}
		p.Summary = summarize(p.Changes)
		return p
	}

	desired := enabledServices(&in.Desired)
	secrets := core.SecretValues(&in.Desired, in.Applied)
	names := map[string]bool{}
	for _, m := range []map[string]*core.WiredService{desired, applied} {
		for k := range m {
			names[k] = true
		}
	}
	for k := range live {
		names[k] = true
	}
	runningN := runningByInstance(stack, in.Live)
	for _, inst := range sortedKeys(names) {
		c, ok := change(stack, inst, desired[inst], applied[inst], live[inst], runningN[inst], in, secrets)
		if ok {
			p.Changes = append(p.Changes, c)
		}
	}

	switch {
	case len(desired) > 0 && !existed:
		p.Network = Create
	case len(desired) == 0 && existed:
		p.Network = Delete
	}
	p.Wires = slices.Clone(in.Desired.Wires)
	for _, inst := range sortedKeys(desired) {
		if desired[inst].Stopped {
			p.Stopped = append(p.Stopped, inst)
		}
	}
	p.Warnings = append(p.Warnings, stoppedProviders(desired)...)
	for _, d := range in.Desired.Warnings {
		p.Warnings = append(p.Warnings, d.Error())
	}
	for _, c := range p.Changes {
		if note := driftNote(c); note != "" {
			p.Warnings = append(p.Warnings, note)
		}
	}
	p.Summary = summarize(p.Changes)
	return p
}

// change decides what happens to one instance; ok is false for no change.
func change(stack, inst string, want, had *core.WiredService, c *LiveContainer, runningN int, in Input, secrets []string) (ResourceChange, bool) {
	rc := ResourceChange{Instance: inst, Container: core.ContainerName(stack, inst), Template: templateOf(inst, in)}
	if c != nil && c.Name != "" {
		rc.Container = strings.TrimPrefix(c.Name, "/")
	}
	if want == nil {
		switch {
		case c == nil:
			// Applied but already gone: nothing to remove.
			return rc, false
		case disabled(&in.Desired, inst):
			rc.Reason = ReasonDisabled
		case had == nil:
			rc.Reason = ReasonUnrecorded
		default:
			rc.Reason = ReasonRemoved
		}
		rc.Action = Delete
		return rc, true
	}

	var reasons []string
	if had != nil {
		var prevNets []string
		if in.Applied != nil {
			prevNets = in.Applied.JoinNetworks
		}
		rc.Fields = diffServices(stack, had, want, prevNets, in.Desired.JoinNetworks, secrets)
		if modeSwitch(in) {
			rc.Fields = append(rc.Fields, FieldChange{Field: "compose_mode",
				Old: core.EffectiveComposeMode(in.Applied.ComposeMode), New: core.EffectiveComposeMode(in.Desired.ComposeMode)})
		}
		if had.Image != want.Image {
			rc.Action = Replace
			reasons = append(reasons, ReasonImageChanged)
		} else if len(rc.Fields) > 0 {
			rc.Action = Update
		}
		reasons = append(reasons, filesChanged(rc.Fields)...)
	}
	wantN := replicas(want)
	switch {
	case c == nil && had == nil:
		rc.Action = Create
	case c == nil && wantN == 0:
		// Scaled to zero: no container is what was applied.
	case c == nil:
		rc.Action = Create
		reasons = append([]string{ReasonMissing}, reasons...)
	case c.Lineage != "" && in.Desired.Lineage != "" && c.Lineage != in.Desired.Lineage:
		rc.Action = Replace
		reasons = append(reasons, fmt.Sprintf("container belongs to an earlier stack of that name (lineage %s)", c.Lineage))
	case had == nil:
		if rc.Action == NoOp {
			rc.Action = Update
		}
		reasons = append(reasons, ReasonUnrecorded)
	case c.State != "running" && want.Stopped:
		// Stopped by the user: apply leaves it stopped.
	case c.State != "running" && wantN <= 1:
		if rc.Action == NoOp {
			rc.Action = Update
		}
		reasons = append(reasons, fmt.Sprintf("container %s (drift)", stateWord(c.State)))
	case runningN < wantN && replicas(had) == wantN:
		if rc.Action == NoOp {
			rc.Action = Update
		}
		reasons = append(reasons, fmt.Sprintf("%d of %d replicas running (drift)", runningN, wantN))
	}
	if rc.Action == Create && had == nil && len(want.Domains) > 0 {
		// A new instance lists no fields, but its domains are names the
		// stack's network will answer to: the plan shows them.
		rc.Fields = append(rc.Fields, FieldChange{Field: "domains", New: strings.Join(want.Domains, ", ")})
	}
	if why := rebuildReason(inst, want, had, in); why != "" {
		rc.Rebuild = true
		if rc.Action == NoOp || rc.Action == Update {
			rc.Action = Replace
		}
		reasons = append(reasons, why)
	} else if why := imageMoved(inst, want, had, c, in); why != "" {
		if rc.Action == NoOp || rc.Action == Update {
			rc.Action = Replace
		}
		reasons = append(reasons, why)
	}
	rc.Reason = strings.Join(reasons, "; ")
	if rc.Action != NoOp {
		rc.Privileges = Privileges(want.Service)
	}
	return rc, rc.Action != NoOp
}

// rebuildReason says why want's image is built before it runs, or "" for
// no build: apply --build, inputs whose digest differs from the applied
// one (or none was recorded), or an image not present locally.
func rebuildReason(inst string, want, had *core.WiredService, in Input) string {
	if want.Build == nil {
		return ""
	}
	now, known := in.Builds[inst]
	old, recorded := in.AppliedBuilds[inst]
	_, present := in.Images[inst]
	switch {
	case in.ForceBuild:
		return ReasonBuildForced
	case in.Images != nil && !present:
		return ReasonBuildMissing
	case !known:
		return "" // not computed: nothing to compare
	case had == nil:
		return ReasonBuildNew
	case !recorded:
		return ReasonBuildUnknown
	case old.Sum == now.Sum:
		return ""
	}
	if n := now.ChangedFiles(old); n > 0 {
		return fmt.Sprintf("build context changed: %d %s", n, plural(n, "file", "files"))
	}
	return "build changed"
}

// imageMoved says how the image an applied instance runs moved under its
// name since the apply (rebuilt, pulled or re-tagged), or "".
func imageMoved(inst string, want, had *core.WiredService, c *LiveContainer, in Input) string {
	if had == nil || c == nil || had.Image != want.Image {
		return ""
	}
	old, now := in.AppliedImages[inst], in.Images[inst]
	if old == "" || now == "" || old == now {
		return ""
	}
	return "image updated: " + ShortImageID(old) + " → " + ShortImageID(now)
}

// ShortImageID shortens sha256:ab48c0…: the algorithm and 4 hex digits.
func ShortImageID(id string) string {
	algo, hex, ok := strings.Cut(id, ":")
	if !ok {
		algo, hex = "sha256", id
	}
	if len(hex) > 4 {
		hex = hex[:4] + "…"
	}
	return algo + ":" + hex
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func stateWord(s string) string {
	if s == "" {
		return "not running"
	}
	return s
}

// stoppedProviders warns of each stopped instance a running one depends
// on: compose starts a dependency with the instance it brings up.
func stoppedProviders(desired map[string]*core.WiredService) []string {
	var out []string
	for _, inst := range sortedKeys(desired) {
		svc := desired[inst]
		if svc.Stopped {
			continue
		}
		for _, dep := range svc.DependsOn {
			if p := desired[dep.Instance]; p != nil && p.Stopped {
				out = append(out, fmt.Sprintf("instance %s is stopped but %s depends on it: compose starts it when apply brings %s up (stop %s too, or start %s)",
					dep.Instance, inst, inst, inst, dep.Instance))
			}
		}
	}
	return out
}

// driftNote is the warning a drifted change adds to the plan.
func driftNote(c ResourceChange) string {
	if !strings.Contains(c.Reason, "(drift)") {
		return ""
	}
	return fmt.Sprintf("instance %s: %s; apply will converge it", c.Instance, c.Reason)
}

// modeSwitch reports whether the stack moves to another compose mode: its
// containers are recreated in other projects (a swarm has no such modes).
func modeSwitch(in Input) bool {
	return in.Applied != nil && in.Runtime != "swarm" &&
		core.EffectiveComposeMode(in.Applied.ComposeMode) != core.EffectiveComposeMode(in.Desired.ComposeMode)
}

// replicas is how many containers s runs: its replicas, one when unset.
func replicas(s *core.WiredService) int {
	if s == nil || s.Replicas == nil {
		return 1
	}
	return *s.Replicas
}

// runningByInstance counts the running containers of each instance (a
// replicated instance has several), named as liveByInstance names them.
func runningByInstance(stack string, cs []LiveContainer) map[string]int {
	out := map[string]int{}
	prefix := core.ContainerName(stack, "")
	for _, c := range cs {
		inst := c.Instance
		if inst == "" {
			inst = strings.TrimPrefix(strings.TrimPrefix(c.Name, "/"), prefix)
		}
		if c.State == "running" {
			out[inst]++
		}
	}
	return out
}

// enabledServices indexes the enabled services of d by instance.
func enabledServices(d *core.Desired) map[string]*core.WiredService {
	out := map[string]*core.WiredService{}
	if d == nil {
		return out
	}
	for i := range d.Services {
		if d.Services[i].Enabled {
			out[d.Services[i].Instance] = &d.Services[i]
		}
	}
	return out
}

func disabled(d *core.Desired, inst string) bool {
	s, ok := d.Service(inst)
	return ok && !s.Enabled
}

// liveByInstance indexes live containers by instance (the first one wins),
// deriving the instance from the container name when the label is missing.
func liveByInstance(stack string, cs []LiveContainer) map[string]*LiveContainer {
	out := map[string]*LiveContainer{}
	prefix := core.ContainerName(stack, "")
	for i := range cs {
		c := &cs[i]
		inst := c.Instance
		if inst == "" {
			inst = strings.TrimPrefix(strings.TrimPrefix(c.Name, "/"), prefix)
		}
		if inst == "" {
			continue
		}
		if _, dup := out[inst]; !dup {
			out[inst] = c
		}
	}
	return out
}

// templateOf names the template of inst from the desired state, else the
// applied snapshot.
func templateOf(inst string, in Input) string {
	if s, ok := in.Desired.Service(inst); ok {
		return s.Template
	}
	if in.Applied != nil {
		if s, ok := in.Applied.Service(inst); ok {
			return s.Template
		}
	}
	return ""
}

func summarize(cs []ResourceChange) Summary {
	var s Summary
	for _, c := range cs {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Replace:
			s.Replace++
		case Delete:
			s.Delete++
		}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// filesChanged names each config file whose content or mode changed (one
// there before and after): "file /etc/app.conf changed". A file that
// follows its source shows this way when the source was edited.
func filesChanged(fields []FieldChange) []string {
	var out []string
	for _, f := range fields {
		if t, ok := strings.CutPrefix(f.Field, "files."); ok && f.Old != "" && f.New != "" {
			out = append(out, "file "+t+" changed")
		}
	}
	return out
}
