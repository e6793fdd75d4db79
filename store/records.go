package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// Applied is the last state apply converged a stack to.
type Applied struct {
	Desired   core.Desired `json:"desired"`
	AppliedAt time.Time    `json:"applied_at"`
	JobID     string       `json:"job_id"`
	// Runtime is the runtime the snapshot was applied with; the stack is
	// planned, applied and destroyed only there. Runtime.Kind is empty in
	// records that predate it: unknown, which binds to nothing.
	Runtime api.RuntimeSpec `json:"runtime"`
	// Partial is set when apply stopped half-way and could not roll back:
	// live containers may differ from Desired; Note says how.
	Partial bool   `json:"partial,omitempty"`
	Note    string `json:"note,omitempty"`
}

// SavedPlan is a plan kept for a later `apply --plan ID`.
type SavedPlan struct {
	Plan plan.Plan `json:"plan"`
	// Stack is the definition an import plan stores when applied; nil for
	// a plan of the stored definition.
	Stack *core.Stack `json:"stack,omitempty"`
	// Purge (with a destroy plan) also deletes the stack's definition.
	Purge bool `json:"purge,omitempty"`
	// AppliedAt is set once the plan has been applied.
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// JobRecord is a job as persisted, with the daemon process that ran it.
type JobRecord struct {
	Job api.Job `json:"job"`
	PID int     `json:"pid"`
}

// GetStack reads stack name.
func (tx *Tx) GetStack(name string) (core.Stack, error) {
	var st core.Stack
	err := tx.Get(bucketStacks, name, &st)
	return st, err
}

// PutStack stores st under st.Name.
func (tx *Tx) PutStack(st core.Stack) error { return tx.Put(bucketStacks, st.Name, st) }

// DeleteStack removes stack name.
func (tx *Tx) DeleteStack(name string) error { return tx.Delete(bucketStacks, name) }

// ListStacks returns every stack, sorted by name.
func (tx *Tx) ListStacks() ([]core.Stack, error) { return list[core.Stack](tx, bucketStacks) }

// GetTemplate reads the user template name.
func (tx *Tx) GetTemplate(name string) (core.Template, error) {
	var t core.Template
	err := tx.Get(bucketTemplates, name, &t)
	return t, err
}

// PutTemplate stores the user template t under t.Name.
func (tx *Tx) PutTemplate(t core.Template) error { return tx.Put(bucketTemplates, t.Name, t) }

// DeleteTemplate removes the user template name.
func (tx *Tx) DeleteTemplate(name string) error { return tx.Delete(bucketTemplates, name) }

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

// PutApplied stores the applied snapshot of stack.
func (tx *Tx) PutApplied(stack string, ap Applied) error { return tx.Put(bucketApplied, stack, ap) }

// DeleteApplied removes the applied snapshot of stack.
func (tx *Tx) DeleteApplied(stack string) error { return tx.Delete(bucketApplied, stack) }

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
func (tx *Tx) AppendEvent(jobID string, ev api.Event) error {
	if jobID == "" {
		return fmt.Errorf("append event: empty job ID")
	}
	return tx.appendSealed(jobID, ev)
}

// Events returns the event log of job jobID in order; empty when it has none.
func (tx *Tx) Events(jobID string) ([]api.Event, error) {
	vals, err := tx.eventValues(jobID)
	if err != nil {
		return nil, err
	}
	out := make([]api.Event, 0, len(vals))
	for i, v := range vals {
		var ev api.Event
		if err := json.Unmarshal(v, &ev); err != nil {
			return nil, fmt.Errorf("decode event %d of job %q: %w", i+1, jobID, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
