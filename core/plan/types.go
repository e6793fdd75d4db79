// Package plan computes the difference between a stack's desired state, its last applied snapshot and its live containers.
package plan

import (
	"time"

	"github.com/devarch-dev/devarch/core"
)

// Action is what apply will do to one instance.
type Action string

const (
	NoOp    Action = ""
	Create  Action = "+"
	Update  Action = "~"
	Delete  Action = "-"
	Replace Action = "±"
)

// Word is the verb printed for a: "create", "update", "delete", "replace".
func (a Action) Word() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Replace:
		return "replace"
	}
	return "no-op"
}

// FieldChange is one field's old and new value. Secret values are never
// stored here: they are replaced by core.Redacted before the plan is built.
type FieldChange struct {
	Field  string `json:"field"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

// ResourceChange is what happens to one instance's container.
type ResourceChange struct {
	Instance  string        `json:"instance"`
	Container string        `json:"container"`
	Template  string        `json:"template,omitempty"`
	Action    Action        `json:"action"`
	Reason    string        `json:"reason,omitempty"` // e.g. "container missing (drift)", "image changed"
	Fields    []FieldChange `json:"fields,omitempty"`
	// Privileges are what the container is granted beyond an ordinary
	// one's (see Privileges), listed for creates, updates and replaces.
	Privileges []string `json:"privileges,omitempty"`
	// Rebuild is set when apply builds the instance's image first; a
	// replace that rebuilds prints as "rebuild".
	Rebuild bool `json:"rebuild,omitempty"`
}

// Word is the verb printed for c: its action's, or "rebuild" for a
// replace that builds the image.
func (c ResourceChange) Word() string {
	if c.Rebuild && c.Action == Replace {
		return "rebuild"
	}
	return c.Action.Word()
}

// LiveContainer is a container found by devarch labels for the stack.
type LiveContainer struct {
	Name     string `json:"name"`
	Instance string `json:"instance"`
	State    string `json:"state"`            // running, exited, ...
	Health   string `json:"health,omitempty"` // healthy, unhealthy, starting
	Image    string `json:"image,omitempty"`
	Lineage  string `json:"lineage,omitempty"`
}

// Summary counts the changes of a plan.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
}

// Plan is a reviewable set of changes for one stack, stamped with the stack's
// lineage and serial and a hash of the state it assumed, so apply can refuse
// it once anything it was computed from has changed.
type Plan struct {
	ID        string    `json:"id"`
	Stack     string    `json:"stack"`
	Lineage   string    `json:"lineage"`
	Serial    uint64    `json:"serial"`
	StateHash string    `json:"state_hash"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Destroy   bool      `json:"destroy,omitempty"`
	Runtime   string    `json:"runtime"` // e.g. "docker compose v2 (context default)"
	// RuntimeKind is the kind of runtime ("docker", "podman") the plan was
	// computed against; a saved plan applies only there.
	RuntimeKind string `json:"runtime_kind,omitempty"`

	Network  Action              `json:"network,omitempty"` // create/delete of devarch-{stack}-net, NoOp when unchanged
	Changes  []ResourceChange    `json:"changes,omitempty"` // sorted by instance; NoOp instances omitted
	Wires    []core.ResolvedWire `json:"wires,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Summary  Summary             `json:"summary"`
	// Stopped are the enabled instances the user stopped (`devarch stop`):
	// apply creates or updates their containers without starting them,
	// and their stopped containers are not drift. Sorted.
	Stopped []string `json:"stopped,omitempty"`
	// Starts are the instances whose stop the apply ends (apply --start):
	// the plan is computed as if they were not stopped, and the apply
	// records that once they run. Sorted.
	Starts []string `json:"starts,omitempty"`

	// Targets are the instances a targeted plan (Target) is limited to;
	// empty for a plan of the whole stack. Included are the providers it
	// takes in besides them, LeftOut the pending changes it leaves out.
	Targets  []string   `json:"targets,omitempty"`
	Included []Included `json:"included,omitempty"`
	LeftOut  []LeftOut  `json:"left_out,omitempty"`

	// Desired is what apply converges to (secrets kept sealed in the daemon's
	// store; a plan sent to a client has secret values redacted).
	Desired core.Desired `json:"desired"`

	// Basis records what the plan was computed from, so Staleness can say
	// what changed since. It holds hashes, never secret values.
	Basis Basis `json:"basis"`
	// AppliedAt is set once a saved plan has been applied.
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// Basis is the state a plan assumed, part by part.
type Basis struct {
	DesiredHash   string          `json:"desired_hash"`
	AppliedHash   string          `json:"applied_hash"`
	AppliedSerial uint64          `json:"applied_serial,omitempty"` // serial of the applied snapshot, 0 when none
	Live          []LiveContainer `json:"live,omitempty"`           // sorted by name
	// Images hashes the build digests and local image IDs the plan saw
	// (empty when it saw none): a context edited or an image moved since
	// makes a saved plan stale.
	Images string `json:"images,omitempty"`
	// Instances, when set, are the only instances the applied and live
	// parts cover (a targeted plan in per-service mode, ScopeBasis);
	// empty: the whole stack.
	Instances []string `json:"instances,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 && p.Network == NoOp }

// View is a Plan as clients see it: the type of every API answer and of
// what the CLI renders. Redact is the only way from a Plan to a View, and
// its Desired is a core.DesiredView, which only redaction fills, so an
// answer cannot carry the plan's secret values. Its fields and their JSON
// encoding are Plan's, in the same order.
type View struct {
	ID          string    `json:"id"`
	Stack       string    `json:"stack"`
	Lineage     string    `json:"lineage"`
	Serial      uint64    `json:"serial"`
	StateHash   string    `json:"state_hash"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	Destroy     bool      `json:"destroy,omitempty"`
	Runtime     string    `json:"runtime"`
	RuntimeKind string    `json:"runtime_kind,omitempty"`

	Network  Action              `json:"network,omitempty"`
	Changes  []ResourceChange    `json:"changes,omitempty"`
	Wires    []core.ResolvedWire `json:"wires,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Summary  Summary             `json:"summary"`
	Stopped  []string            `json:"stopped,omitempty"`
	Starts   []string            `json:"starts,omitempty"`

	Targets  []string   `json:"targets,omitempty"`
	Included []Included `json:"included,omitempty"`
	LeftOut  []LeftOut  `json:"left_out,omitempty"`

	Desired core.DesiredView `json:"desired"`

	Basis     Basis      `json:"basis"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (v *View) Empty() bool { return len(v.Changes) == 0 && v.Network == NoOp }
