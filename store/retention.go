package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/secrets"
)

// Retention: saved plans hold a stack's whole desired state, secrets
// included, and jobs with their events grow with every apply. What is no
// longer useful is deleted in the transaction that adds a new record, so
// the database stays bounded without a background sweeper (README.md,
// "Limits").

// JobsKept is how many jobs (with their events) are kept per stack; older
// ended jobs are deleted when a new job of the stack is stored.
const JobsKept = 50

// SavePlan stores sp under sp.Plan.ID and, in the same transaction, deletes
// every other saved plan that was applied or expired by now. It returns how
// many plans it deleted.
func (tx *Tx) SavePlan(sp SavedPlan, now time.Time) (pruned int, err error) {
	if sp.Plan.ID == "" {
		return 0, fmt.Errorf("save plan of stack %q: plan has no ID", sp.Plan.Stack)
	}
	var stale []string
	err = tx.ForEach(bucketPlans, func(id string, value []byte) error {
		if id == sp.Plan.ID {
			return nil
		}
		var old SavedPlan
		if err := json.Unmarshal(value, &old); err != nil {
			return fmt.Errorf("decode plan %q: %w", id, err)
		}
		if planDone(old, now) {
			stale = append(stale, id)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range stale {
		if err := tx.Delete(bucketPlans, id); err != nil {
			return 0, err
		}
	}
	return len(stale), tx.Put(bucketPlans, sp.Plan.ID, sp)
}

// planDone reports whether a saved plan can never be applied any more:
// it was applied, or it expired.
func planDone(sp SavedPlan, now time.Time) bool {
	if sp.AppliedAt != nil || sp.Plan.AppliedAt != nil {
		return true
	}
	return !sp.Plan.ExpiresAt.IsZero() && !now.Before(sp.Plan.ExpiresAt)
}

// PutNewJob stores rec, a job just created, and deletes the oldest ended
// jobs of its stack, with their events, so that at most keep jobs of the
// stack remain. Jobs that have not ended are never deleted. It returns how
// many jobs it deleted.
func (tx *Tx) PutNewJob(rec JobRecord, keep int) (pruned int, err error) {
	if err := tx.PutJob(rec); err != nil {
		return 0, err
	}
	recs, err := tx.ListJobs()
	if err != nil {
		return 0, err
	}
	var mine []JobRecord
	for _, r := range recs {
		if r.Job.Stack == rec.Job.Stack {
			mine = append(mine, r)
		}
	}
	// Newest first; the job just stored is always kept.
	slices.SortStableFunc(mine, func(a, b JobRecord) int {
		if a.Job.ID == rec.Job.ID || b.Job.ID == rec.Job.ID {
			return cmp.Compare(boolRank(b.Job.ID == rec.Job.ID), boolRank(a.Job.ID == rec.Job.ID))
		}
		return cmp.Or(b.Job.CreatedAt.Compare(a.Job.CreatedAt), cmp.Compare(b.Job.ID, a.Job.ID))
	})
	for i := keep; i < len(mine); i++ {
		if mine[i].Job.EndedAt == nil {
			continue // still queued or running (or interrupted and not yet marked)
		}
		if err := tx.DeleteJob(mine[i].Job.ID); err != nil {
			return pruned, err
		}
		pruned++
	}
	return pruned, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DeleteJob removes job id and its event log.
func (tx *Tx) DeleteJob(id string) error {
	if err := tx.Delete(bucketJobs, id); err != nil {
		return err
	}
	events, err := tx.bucket(bucketEvents)
	if err != nil {
		return err
	}
	jk := secrets.Blind(tx.key, bucketEvents, id)
	if events.Bucket(jk) == nil {
		return nil
	}
	if err := events.DeleteBucket(jk); err != nil {
		return fmt.Errorf("delete events of job %q: %w", id, err)
	}
	return nil
}

// AppendEvents appends evs, in order, to the event logs of their jobs
// (Event.JobID) in this one transaction.
func (tx *Tx) AppendEvents(evs []Event) error {
	for _, ev := range evs {
		if err := tx.AppendEvent(ev.JobID, ev); err != nil {
			return err
		}
	}
	return nil
}
