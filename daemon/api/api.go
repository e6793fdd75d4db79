// Package api holds the wire types of devarch's local API: HTTP+JSON on a Unix socket under versioned paths.
//
// Every path starts with Prefix. Errors always use the Error shape with an
// HTTP status from the Code. Streams (job events, logs) are newline-delimited
// JSON (one Event or LogLine per line).
//
// Every route is declared once, with its request and answer, in Routes
// (routes.go); the daemon and the client both work from that table.
package api

import (
	"net/http"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

// Prefix is the version prefix of every path.
const Prefix = "/v1"

// Files of the devarch home the daemon and its clients both name. The
// store's own files (devarch.db, secret.key) are named in package store.
const (
	SocketName = "devarch.sock" // the daemon's Unix socket
	LogName    = "daemon.log"   // the daemon's log
	PIDName    = "daemon.pid"   // the running daemon's pid
	LockName   = "daemon.lock"  // held by the running daemon (flock)
)

// Version is devarch's version, reported by status and the plugin metadata.
var Version = "0.1.0"

// Code classifies an error; each maps to one HTTP status.
type Code string

const (
	CodeInvalid      Code = "invalid"      // 400: bad input; Fields or Diagnostics say which
	CodeUnauthorized Code = "unauthorized" // 403: peer uid differs
	CodeNotFound     Code = "not_found"    // 404
	CodeConflict     Code = "conflict"     // 409: already exists, in use
	CodeLocked       Code = "locked"       // 423: stack lock held; Lock says by whom
	CodeStalePlan    Code = "stale_plan"   // 409: saved plan no longer matches the state
	CodeRuntime      Code = "runtime"      // 502: the container runtime failed
	CodeInternal     Code = "internal"     // 500
)

// Status is the HTTP status the daemon answers code with.
func (c Code) Status() int {
	switch c {
	case CodeInvalid:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict, CodeStalePlan:
		return http.StatusConflict
	case CodeLocked:
		return http.StatusLocked
	case CodeRuntime:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// CodeForStatus is the code of an answer that carries no error body, by
// its HTTP status (the inverse of Code.Status; 409 is a conflict).
func CodeForStatus(status int) Code {
	for _, c := range []Code{CodeInvalid, CodeUnauthorized, CodeNotFound, CodeConflict, CodeLocked, CodeRuntime} {
		if c.Status() == status {
			return c
		}
	}
	return CodeInternal
}

// UnlockResult says how many lock holders a forced unlock released.
type UnlockResult struct {
	Released int `json:"released"`
}

// Error is the one JSON error shape: {"error": {...}}.
type Error struct {
	Code        Code               `json:"code"`
	Message     string             `json:"message"`
	Hint        string             `json:"hint,omitempty"`
	Fields      []*core.FieldError `json:"fields,omitempty"`
	Diagnostics []core.Diagnostic  `json:"diagnostics,omitempty"`
	Lock        *LockInfo          `json:"lock,omitempty"`
}

// ErrorBody wraps Error on the wire.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Status describes the running daemon.
type Status struct {
	PID           int       `json:"pid"`
	Version       string    `json:"version"`
	BuildID       string    `json:"build_id,omitempty"` // see BuildID; a CLI of another build restarts an idle daemon
	Home          string    `json:"home"`
	Socket        string    `json:"socket"`
	StartedAt     time.Time `json:"started_at"`
	SchemaVersion int       `json:"schema_version"`
	Stacks        int       `json:"stacks"`
	RunningJobs   int       `json:"running_jobs"`
}

// ShutdownRequest asks the daemon to stop. With IfIdle it stops only when
// no job runs, checked at once with refusing new jobs, so none can start in
// between; when some run it answers a conflict naming them and goes on.
// Without it running jobs are cancelled (rolled back) first.
type ShutdownRequest struct {
	IfIdle bool `json:"if_idle,omitempty"`
}

// TemplateAddRequest adds (or with Replace, replaces) a user template.
type TemplateAddRequest struct {
	Template core.Template `json:"template"`
	Replace  bool          `json:"replace,omitempty"`
}

// TemplateStored answers a template add: the template (secrets redacted;
// its fields are inlined) and, for a replacement, the wiring warnings it
// causes in the stacks that use it (an optional import that lost its
// provider). A replacement that would leave an import without a provider a
// plan accepts is refused instead.
type TemplateStored struct {
	core.Template
	Warnings []core.Diagnostic `json:"warnings,omitempty"`
}

// StackCreateRequest creates an empty stack.
type StackCreateRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Environment  string   `json:"environment,omitempty"`
	JoinNetworks []string `json:"join_networks,omitempty"` // stacks whose networks this one joins
}

// StackSetRequest changes a stack's own fields; nil leaves a field as it is.
type StackSetRequest struct {
	Description  *string   `json:"description,omitempty"`
	Environment  *string   `json:"environment,omitempty"`
	JoinNetworks *[]string `json:"join_networks,omitempty"` // replaces the list; empty joins none
	ComposeMode  *string   `json:"compose_mode,omitempty"`  // stack or per-service (core.ComposeModes)
	EndpointMode *string   `json:"endpoint_mode,omitempty"` // dnsrr or vip, on a swarm (core.EndpointModes)
}

// StackView is `stack show`: the stack (secrets redacted; its fields are
// inlined) and the kind of runtime it is bound to.
type StackView struct {
	core.Stack
	// RuntimeKind is the runtime ("docker", "podman") the stack's applied
	// snapshot was made with: plan, apply, destroy, ps and logs run there.
	// Empty while the stack is not applied (or for a snapshot older than
	// the binding).
	RuntimeKind string `json:"runtime_kind,omitempty"`
}

// StackSummary is one row of `stack ls`.
type StackSummary struct {
	Name          string     `json:"name"`
	Description   string     `json:"description,omitempty"`
	Environment   string     `json:"environment,omitempty"`
	Instances     int        `json:"instances"`
	Serial        uint64     `json:"serial"`
	Lineage       string     `json:"lineage"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedSerial uint64     `json:"applied_serial,omitempty"`
}

// InstanceAddRequest adds an instance of a template to a stack.
type InstanceAddRequest struct {
	Name     string         `json:"name"`
	Template string         `json:"template"`
	Disabled bool           `json:"disabled,omitempty"`
	Volumes  *[]core.Volume `json:"volumes,omitempty"` // volumes override from the start (instead of the template's)
}

// InstanceSummary is one row of `instance ls`.
type InstanceSummary struct {
	Name       string   `json:"name"`
	Template   string   `json:"template"`
	Enabled    bool     `json:"enabled"`
	Image      string   `json:"image"`
	Ports      []string `json:"ports,omitempty"`
	Overridden []string `json:"overridden,omitempty"` // override field names, sorted
}

// InstanceView is an instance with, when asked, its effective config.
// Secret values are redacted. Warnings (instance set and reset) are the
// wiring warnings the edit causes: an import now wired to another provider,
// an optional import left without one.
type InstanceView struct {
	Stack     string            `json:"stack"`
	Instance  core.Instance     `json:"instance"`
	Effective *core.Service     `json:"effective,omitempty"`
	Warnings  []core.Diagnostic `json:"warnings,omitempty"`
}

// ResetRequest drops overrides: field names from core.OverrideFields, or
// "env.KEY", "labels.KEY", "files./target" for one entry.
type ResetRequest struct {
	Fields []string `json:"fields"`
}

// NameRequest carries a new instance name (rename, duplicate).
type NameRequest struct {
	Name string `json:"name"`
	// PortOffset (duplicate) shifts the copy's published host ports;
	// NoPorts drops them. A rename refuses both.
	PortOffset int  `json:"port_offset,omitempty"`
	NoPorts    bool `json:"no_ports,omitempty"`
}

// RenamedInstance answers a rename or a duplicate: the instance (secrets
// redacted; its fields are inlined) and what happened to its named volumes.
type RenamedInstance struct {
	core.Instance
	// KeptVolumes (rename) are the template volumes scoped to the old name
	// (db-postgres-data) that the instance keeps: they were pinned as its
	// volumes override, so its data does not move to a new, empty volume.
	KeptVolumes []string `json:"kept_volumes,omitempty"`
	// RenamedVolumes (duplicate) maps each volume of the source's override
	// that was scoped to the source to the copy's own volume, so the copy
	// never shares the source's data.
	RenamedVolumes map[string]string `json:"renamed_volumes,omitempty"`
}

// InstanceRemoved answers an instance rm: the wiring warnings the removal
// causes (an explicit wire removed with the instance, an optional import
// left without a provider, an import now wired to another provider). A
// removal that would leave an import without a provider a plan accepts is
// refused instead.
type InstanceRemoved struct {
	Warnings []core.Diagnostic `json:"warnings,omitempty"`
}

// WiresView is the stack's wiring: explicit and automatic wires, and
// imports without a provider, plus the problems that block a plan.
type WiresView struct {
	Stack       string                  `json:"stack"`
	Explicit    []core.Wire             `json:"explicit,omitempty"`
	Wires       []core.ResolvedWire     `json:"wires,omitempty"`
	Unresolved  []core.UnresolvedImport `json:"unresolved,omitempty"`
	Diagnostics []core.Diagnostic       `json:"diagnostics,omitempty"`
}

// ConfigView is the generated compose project.
type ConfigView struct {
	Stack   string `json:"stack"`
	Project string `json:"project"`
	YAML    string `json:"yaml"`
	// Warnings are the stack's non-blocking problems, such as host ports
	// another stack publishes too.
	Warnings []core.Diagnostic `json:"warnings,omitempty"`
}

// RuntimeSpec tells the daemon which engine to drive and how. The CLI
// fills it from plugin invocation, --runtime, DEVARCH_RUNTIME or detection.
type RuntimeSpec struct {
	Kind   string            `json:"kind"`             // "docker" or "podman"
	Binary string            `json:"binary,omitempty"` // docker binary that invoked the plugin, or podman
	Env    map[string]string `json:"env,omitempty"`    // DOCKER_HOST, DOCKER_CONTEXT, ... for the runtime
}

// PlanRequest computes (and with Save, stores) a plan.
type PlanRequest struct {
	Runtime     RuntimeSpec   `json:"runtime"`
	Save        bool          `json:"save,omitempty"`
	TTL         core.Duration `json:"ttl,omitempty"` // default 15m
	Destroy     bool          `json:"destroy,omitempty"`
	LockTimeout core.Duration `json:"lock_timeout,omitempty"` // 0: the daemon's default, unless LockNoWait
	// LockNoWait makes a zero LockTimeout fail at once when the stack's
	// lock is held, as an apply's does: apply plans first with its own
	// --lock-timeout.
	LockNoWait bool `json:"lock_no_wait,omitempty"`
	// Targets limits the plan to these instances (and the providers they
	// need that do not run yet); empty plans the whole stack.
	Targets []string `json:"targets,omitempty"`
	// Build rebuilds every enabled instance that builds, whatever its
	// inputs (plan --build, apply --build).
	Build bool `json:"build,omitempty"`
	// Start plans as if the stopped instances (the targets' only, with
	// Targets) were not stopped: applying the plan starts them and ends
	// their stop (apply --start).
	Start bool `json:"start,omitempty"`
	// Sources are the current contents of the files the stack's config
	// files follow (core.FileSources), keyed by source path, as the CLI
	// read them: the plan uses them instead of the stored contents, and a
	// saved plan keeps them. A file whose source is not here plans with
	// its stored content (an older client, a script).
	Sources map[string]string `json:"sources,omitempty"`
	// NoDesired leaves the answer's desired state out (its "desired" is
	// empty): a client that prints the plan's changes needs none of it,
	// and for a large stack it is most of the answer. The CLI asks for it
	// but with --json.
	NoDesired bool `json:"no_desired,omitempty"`
}

// ApplyRequest applies a saved plan (PlanID) or, without one, plans and
// applies in one step (the CLI shows the plan and asks first).
type ApplyRequest struct {
	Runtime     RuntimeSpec   `json:"runtime"`
	PlanID      string        `json:"plan_id,omitempty"`
	Destroy     bool          `json:"destroy,omitempty"`
	Purge       bool          `json:"purge,omitempty"` // with Destroy: remove the stack definition too
	LockTimeout core.Duration `json:"lock_timeout,omitempty"`
	// AllowPrivileged is the user's consent to the privileges the plan
	// grants (--allow-privileged or an interactive confirmation); a plan
	// that grants some is refused without it (plan.RequireConsent).
	AllowPrivileged bool `json:"allow_privileged,omitempty"`
	// Targets limits the apply to these instances, as PlanRequest's do; a
	// saved plan carries its own.
	Targets []string `json:"targets,omitempty"`
	// Build rebuilds every enabled instance that builds (without PlanID;
	// a saved plan holds its rebuilds).
	Build bool `json:"build,omitempty"`
	// Start is PlanRequest's (without PlanID; a saved plan holds what
	// it starts).
	Start bool `json:"start,omitempty"`
	// KeepFailed leaves the containers of the instances that fail for
	// inspection instead of rolling them back (the rest still rolls back);
	// not with Destroy, nor on a swarm.
	KeepFailed bool `json:"keep_failed,omitempty"`
	// Sources are PlanRequest's (without PlanID: a saved plan applies the
	// contents it was computed with).
	Sources map[string]string `json:"sources,omitempty"`
}

// ImagesRequest builds (build) or pulls (pull) the images of a stack's
// enabled instances, or of the ones Instances names, without applying.
type ImagesRequest struct {
	Runtime     RuntimeSpec   `json:"runtime"`
	Instances   []string      `json:"instances,omitempty"`
	LockTimeout core.Duration `json:"lock_timeout,omitempty"`
	// Timeout bounds the pull of each image (pull only); 0 is the
	// daemon's default.
	Timeout core.Duration `json:"timeout,omitempty"`
}

// JobState is a job's lifecycle state.
type JobState string

const (
	JobQueued      JobState = "queued"
	JobRunning     JobState = "running"
	JobSucceeded   JobState = "succeeded"
	JobFailed      JobState = "failed"
	JobRolledBack  JobState = "rolled_back" // failed, previous snapshot restored
	JobCancelled   JobState = "cancelled"
	JobInterrupted JobState = "interrupted" // the daemon died while it ran
)

// Done reports whether s is final.
func (s JobState) Done() bool { return s != JobQueued && s != JobRunning }

// Job is an apply or destroy run by the daemon.
type Job struct {
	ID        string     `json:"id"`
	Stack     string     `json:"stack"`
	Operation string     `json:"operation"` // apply, destroy
	PlanID    string     `json:"plan_id,omitempty"`
	State     JobState   `json:"state"`
	Error     string     `json:"error,omitempty"`
	Instance  string     `json:"instance,omitempty"` // instance the failure is about
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Summary   string     `json:"summary,omitempty"`
}

// Event is one line of a job's progress stream.
type Event struct {
	Time     time.Time `json:"time"`
	JobID    string    `json:"job_id"`
	Instance string    `json:"instance,omitempty"`
	Message  string    `json:"message"`
	State    JobState  `json:"state,omitempty"` // set on the final event
}

// Container is one row of `ps`.
type Container struct {
	Instance string `json:"instance"`
	Name     string `json:"name"`
	Image    string `json:"image"`
	State    string `json:"state"`
	Health   string `json:"health,omitempty"`
	Ports    string `json:"ports,omitempty"`
}

// LogLine is one line of container output.
type LogLine struct {
	Instance string `json:"instance"`
	Line     string `json:"line"`
}

// LockInfo describes who holds a stack's lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Stack     string    `json:"stack"`
	Operation string    `json:"operation"` // plan, apply, destroy, import
	JobID     string    `json:"job_id,omitempty"`
	Who       string    `json:"who"` // user@host
	PID       int       `json:"pid"`
	Created   time.Time `json:"created"`
	Exclusive bool      `json:"exclusive"`
	// Instances, on a shared holder, are the instances it holds alone (a
	// targeted apply in per-service mode): another holder of any of them
	// is refused, holders of other instances run beside it.
	Instances []string `json:"instances,omitempty"`
}

// LockView is the lock state of a stack.
type LockView struct {
	Stack   string     `json:"stack"`
	Holders []LockInfo `json:"holders,omitempty"`
}

// UnlockRequest force-releases a stack's locks.
type UnlockRequest struct {
	Force bool   `json:"force"`
	ID    string `json:"id,omitempty"`
}

// ExportRequest exports a stack as devarch.yml.
type ExportRequest struct {
	Passphrase     string `json:"passphrase,omitempty"`      // seal secrets with argon2id + AES-GCM
	IncludeSecrets bool   `json:"include_secrets,omitempty"` // write secrets in plaintext (asked for by name)
	// Dir is the absolute directory the file is written to: build contexts
	// are written relative to it. Empty writes them absolute.
	Dir string `json:"dir,omitempty"`
}

// FileView carries a generated file.
type FileView struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// ImportRequest imports a devarch.yml.
type ImportRequest struct {
	Content    string            `json:"content"`
	Filename   string            `json:"filename,omitempty"`
	Stack      string            `json:"stack,omitempty"` // rename the imported stack
	Passphrase string            `json:"passphrase,omitempty"`
	SetSecrets map[string]string `json:"set_secrets,omitempty"` // "instance.ENV" -> value for redacted secrets
	Runtime    RuntimeSpec       `json:"runtime"`
	TTL        core.Duration     `json:"ttl,omitempty"` // of the plan made when importing over an existing stack
	// AllowPrivileged is the user's consent to the privileges the imported
	// definition grants (see ApplyRequest.AllowPrivileged).
	AllowPrivileged bool `json:"allow_privileged,omitempty"`
	// Dir is the absolute directory of the file: relative build contexts
	// are resolved against it.
	Dir string `json:"dir,omitempty"`
}

// ImportComposeRequest turns a compose file into templates and a stack.
type ImportComposeRequest struct {
	Content  string `json:"content"`
	Filename string `json:"filename,omitempty"`
	Stack    string `json:"stack"`
	WorkDir  string `json:"workdir,omitempty"` // resolves relative bind mounts (the client's directory)
	// Environment interpolates ${VAR} in the file, as docker compose does:
	// the CLI's process environment over the .env file next to the compose
	// file, limited to the variables the file refers to when the CLI can
	// tell. Values may be secret: the daemon never logs or stores them.
	Environment map[string]string `json:"environment,omitempty"`
	// Profiles are the active compose profiles (--profile or
	// COMPOSE_PROFILES); services of other profiles are imported disabled.
	Profiles []string `json:"profiles,omitempty"`
	// Files holds the content of the files the compose file's top-level
	// secrets and configs name, by absolute path: the CLI reads them. They
	// may be secret: the daemon never logs them.
	Files map[string]string `json:"files,omitempty"`
	// Sources holds the content of the files the compose file names for
	// the loader (include, extends.file, env_file, label_file), by absolute
	// path: the CLI reads them with its user's rights, and the daemon reads
	// no file the request does not carry. They may be secret: never logged.
	Sources map[string]string `json:"sources,omitempty"`
	Runtime RuntimeSpec       `json:"runtime"`
	TTL     core.Duration     `json:"ttl,omitempty"` // of the plan made when importing over an existing stack
}

// ImportResult says what an import did: created a stack, or planned changes
// to an existing one (apply the plan to finish).
type ImportResult struct {
	Stack     string     `json:"stack"`
	Created   bool       `json:"created"`
	Unchanged bool       `json:"unchanged,omitempty"` // the stack already matches the file: no plan saved
	Templates []string   `json:"templates,omitempty"`
	Instances []string   `json:"instances,omitempty"`
	PlanID    string     `json:"plan_id,omitempty"`
	Plan      *plan.View `json:"plan,omitempty"` // the saved plan, when importing over an existing stack
	Warnings  []string   `json:"warnings,omitempty"`
}

// KeyRotateResult reports a key rotation.
type KeyRotateResult struct {
	Records int `json:"records"`
}
