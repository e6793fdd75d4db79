package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

// The record types below are the store's own: their JSON is what is sealed
// on disk (pinned by the golden records in testdata/golden). Changing a
// field's name or meaning needs a migration (migrations.go).

// Applied is the last state apply converged a stack to. The runtime it was
// applied with is the stack's RuntimeBinding, stored beside it.
type Applied struct {
	Desired   core.Desired `json:"desired"`
	AppliedAt time.Time    `json:"applied_at"`
	JobID     string       `json:"job_id"`
	// Partial is set when apply stopped half-way and could not roll back:
	// live containers may differ from Desired; Note says how.
	Partial bool   `json:"partial,omitempty"`
	Note    string `json:"note,omitempty"`
	// Builds are the digests of the build inputs each instance that builds
	// was built from, by instance. A snapshot without them (written before
	// they were recorded) leaves the inputs unknown: the plan rebuilds.
	Builds map[string]core.BuildDigest `json:"builds,omitempty"`
	// Images are the IDs of the images the containers were created from,
	// by instance; missing ones are unknown (never a change by themselves).
	Images map[string]string `json:"images,omitempty"`
}

// RuntimeBinding is the runtime a stack's applied snapshot was made with:
// the stack is planned, applied and destroyed only there. A stack with an
// applied snapshot but no binding was applied before bindings were
// recorded, on a runtime nobody can tell any more: it binds to nothing
// until it is applied again.
type RuntimeBinding struct {
	Kind   string            `json:"kind"`             // "docker" or "podman"
	Binary string            `json:"binary,omitempty"` // the engine's command-line binary
	Env    map[string]string `json:"env,omitempty"`    // DOCKER_HOST, DOCKER_CONTEXT, ... for the engine
}

// SavedPlan is a plan kept for a later `apply --plan ID`.
type SavedPlan struct {
	Plan plan.Plan `json:"plan"`
	// Stack is the definition an import plan stores when applied; nil for
	// a plan of the stored definition.
	Stack *core.Stack `json:"stack,omitempty"`
	// Templates are the templates an import-compose plan stores when
	// applied, replacing those of the same name the stack owns
	// (core.Template.OwnerStack); nil for any other plan.
	Templates []core.Template `json:"templates,omitempty"`
	// Purge (with a destroy plan) also deletes the stack's definition.
	Purge bool `json:"purge,omitempty"`
	// AppliedAt is set once the plan has been applied.
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// Job is an apply or destroy job as persisted.
type Job struct {
	ID        string     `json:"id"`
	Stack     string     `json:"stack"`
	Operation string     `json:"operation"` // apply, destroy
	PlanID    string     `json:"plan_id,omitempty"`
	State     string     `json:"state"` // queued, running, succeeded, failed, rolled_back, cancelled, interrupted
	Error     string     `json:"error,omitempty"`
	Instance  string     `json:"instance,omitempty"` // instance the failure is about
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Summary   string     `json:"summary,omitempty"`
}

// JobRecord is a job as persisted, with the daemon process that ran it.
type JobRecord struct {
	Job Job `json:"job"`
	PID int `json:"pid"`
}

// Event is one entry of a job's event log.
type Event struct {
	Time     time.Time `json:"time"`
	JobID    string    `json:"job_id"`
	Instance string    `json:"instance,omitempty"`
	Message  string    `json:"message"`
	State    string    `json:"state,omitempty"` // the job's final state, on its last event
}

// GetStack reads stack name.
func (tx *Tx) GetStack(name string) (core.Stack, error) {
	var st core.Stack
	err := tx.Get(bucketStacks, name, &st)
	return st, err
}

// PutStack stores st under st.Name, and updates the index (index.go).
func (tx *Tx) PutStack(st core.Stack) error {
	if err := tx.Put(bucketStacks, st.Name, st); err != nil {
		return err
	}
	return tx.indexStack(st)
}

// DeleteStack removes stack name, and updates the index.
func (tx *Tx) DeleteStack(name string) error {
	if err := tx.Delete(bucketStacks, name); err != nil {
		return err
	}
	return tx.unindexStack(name)
}

// ListStacks returns every stack, sorted by name.
func (tx *Tx) ListStacks() ([]core.Stack, error) { return list[core.Stack](tx, bucketStacks) }

// GetTemplate reads the user template name.
func (tx *Tx) GetTemplate(name string) (core.Template, error) {
	var t core.Template
	err := tx.Get(bucketTemplates, name, &t)
	return t, err
}

// PutTemplate stores the user template t under t.Name, and re-indexes the
// stacks naming it.
func (tx *Tx) PutTemplate(t core.Template) error {
	if err := tx.Put(bucketTemplates, t.Name, t); err != nil {
		return err
	}
	return tx.reindexTemplateUsers(t.Name)
}

// DeleteTemplate removes the user template name, and re-indexes the stacks
// naming it.
func (tx *Tx) DeleteTemplate(name string) error {
	if err := tx.Delete(bucketTemplates, name); err != nil {
		return err
	}
	return tx.reindexTemplateUsers(name)
}

// ListTemplates returns every user template, sorted by name.
func (tx *Tx) ListTemplates() ([]core.Template, error) {
	return list[core.Template](tx, bucketTemplates)
}

// GetApplied reads the applied snapshot of stack.
func (tx *Tx) GetApplied(stack string) (Applied, error) {
	var ap Applied
	err := tx.Get(bucketApplied, stack, &ap)
	return ap, err
}

// PutApplied stores the applied snapshot of stack and the runtime it was
// applied with, together.
func (tx *Tx) PutApplied(stack string, ap Applied, rt RuntimeBinding) error {
	if rt.Kind == "" {
		return fmt.Errorf("put applied snapshot of stack %q: runtime binding has no kind", stack)
	}
	if err := tx.Put(bucketApplied, stack, ap); err != nil {
		return err
	}
	if err := tx.Put(bucketBindings, stack, rt); err != nil {
		return err
	}
	return tx.indexApplied(stack, &ap, rt.Kind)
}

// DeleteApplied removes the applied snapshot of stack and its runtime
// binding, and updates the index.
func (tx *Tx) DeleteApplied(stack string) error {
	if err := tx.Delete(bucketApplied, stack); err != nil {
		return err
	}
	if err := tx.Delete(bucketBindings, stack); err != nil && !IsNotFound(err) {
		return err
	}
	return tx.indexApplied(stack, nil, "")
}

// GetBinding reads the runtime stack was applied with, without opening its
// applied snapshot; an error wrapping ErrNotFound when the stack has no
// applied snapshot or it predates bindings.
func (tx *Tx) GetBinding(stack string) (RuntimeBinding, error) {
	var rt RuntimeBinding
	err := tx.Get(bucketBindings, stack, &rt)
	return rt, err
}

// GetPlan reads the saved plan id.
func (tx *Tx) GetPlan(id string) (SavedPlan, error) {
	var sp SavedPlan
	err := tx.Get(bucketPlans, id, &sp)
	return sp, err
}

// PutPlan stores sp under sp.Plan.ID.
func (tx *Tx) PutPlan(sp SavedPlan) error {
	if sp.Plan.ID == "" {
		return fmt.Errorf("save plan of stack %q: plan has no ID", sp.Plan.Stack)
	}
	return tx.Put(bucketPlans, sp.Plan.ID, sp)
}

// DeletePlansForStack removes every saved plan of stack.
func (tx *Tx) DeletePlansForStack(stack string) error {
	var ids []string
	err := tx.ForEach(bucketPlans, func(id string, value []byte) error {
		var sp SavedPlan
		if err := json.Unmarshal(value, &sp); err != nil {
			return fmt.Errorf("decode plan %q: %w", id, err)
		}
		if sp.Plan.Stack == stack {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.Delete(bucketPlans, id); err != nil {
			return err
		}
	}
	return nil
}

// GetJob reads job id.
func (tx *Tx) GetJob(id string) (JobRecord, error) {
	var rec JobRecord
	err := tx.Get(bucketJobs, id, &rec)
	return rec, err
}

// PutJob stores rec under rec.Job.ID.
func (tx *Tx) PutJob(rec JobRecord) error { return tx.Put(bucketJobs, rec.Job.ID, rec) }

// ListJobs returns every job, oldest first (then by ID).
func (tx *Tx) ListJobs() ([]JobRecord, error) {
	recs, err := list[JobRecord](tx, bucketJobs)
	slices.SortStableFunc(recs, func(a, b JobRecord) int {
		return cmp.Or(a.Job.CreatedAt.Compare(b.Job.CreatedAt), cmp.Compare(a.Job.ID, b.Job.ID))
	})
	return recs, err
}

// AppendEvent appends ev to the event log of job jobID.
func (tx *Tx) AppendEvent(jobID string, ev Event) error {
	if jobID == "" {
		return fmt.Errorf("append event: empty job ID")
	}
	return tx.appendSealed(jobID, ev)
}

// Events returns the event log of job jobID in order; empty when it has none.
func (tx *Tx) Events(jobID string) ([]Event, error) {
	vals, err := tx.eventValues(jobID)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(vals))
	for i, v := range vals {
		var ev Event
		if err := json.Unmarshal(v, &ev); err != nil {
			return nil, fmt.Errorf("decode event %d of job %q: %w", i+1, jobID, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
