package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core/plan"
)

func TestSavePlanPrunesAppliedAndExpired(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	err := s.Update(func(tx *Tx) error {
		for _, sp := range []SavedPlan{
			{Plan: plan.Plan{ID: "applied-old", Stack: "a", ExpiresAt: future}, AppliedAt: &past},
			{Plan: plan.Plan{ID: "applied-in-plan", Stack: "b", ExpiresAt: future, AppliedAt: &past}},
			{Plan: plan.Plan{ID: "expired", Stack: "a", ExpiresAt: past}},
			{Plan: plan.Plan{ID: "expires-now", Stack: "b", ExpiresAt: now}},
			{Plan: plan.Plan{ID: "live", Stack: "a", ExpiresAt: future}},
			{Plan: plan.Plan{ID: "no-expiry", Stack: "b"}},
		} {
			if err := tx.PutPlan(sp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pruned int
	err = s.Update(func(tx *Tx) error {
		var err error
		pruned, err = tx.SavePlan(SavedPlan{Plan: plan.Plan{ID: "new", Stack: "c", ExpiresAt: future}}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if pruned != 4 {
		t.Errorf("pruned = %d; want 4 (two applied, two expired)", pruned)
	}
	if err := s.View(func(tx *Tx) error {
		ids, err := tx.Keys(bucketPlans)
		if want := []string{"live", "new", "no-expiry"}; !slices.Equal(ids, want) {
			t.Errorf("plans left = %v; want %v", ids, want)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { _, err := tx.SavePlan(SavedPlan{}, now); return err }); err == nil {
		t.Error("plan without ID saved")
	}
}

// A plan that fails to save prunes nothing: the pruning is part of the
// transaction that saves.
func TestSavePlanPrunesInItsTransaction(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now().UTC()
	past := now.Add(-time.Hour)
	if err := s.Update(func(tx *Tx) error {
		return tx.PutPlan(SavedPlan{Plan: plan.Plan{ID: "old", Stack: "a", ExpiresAt: past}})
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(func(tx *Tx) error {
		if _, err := tx.SavePlan(SavedPlan{Plan: plan.Plan{ID: "new", Stack: "a"}}, now); err != nil {
			return err
		}
		return fmt.Errorf("later step fails")
	})
	if err == nil {
		t.Fatal("update did not fail")
	}
	if err := s.View(func(tx *Tx) error {
		ids, err := tx.Keys(bucketPlans)
		if !slices.Equal(ids, []string{"old"}) {
			t.Errorf("plans after a rolled back save = %v; want [old]", ids)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPutNewJobKeepsLastJobsPerStack(t *testing.T) {
	s, _ := openTemp(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ended := t0.Add(time.Hour)
	job := func(id, stack string, at time.Time, done bool) JobRecord {
		j := Job{ID: id, Stack: stack, State: "succeeded", CreatedAt: at}
		if done {
			j.EndedAt = &ended
		} else {
			j.State = "running"
		}
		return JobRecord{Job: j}
	}
	const keep = 5
	err := s.Update(func(tx *Tx) error {
		// The oldest job of a still runs: it is never pruned.
		recs := []JobRecord{job("a-running", "a", t0, false)}
		for i := range 8 {
			recs = append(recs, job(fmt.Sprintf("a-%02d", i), "a", t0.Add(time.Duration(i+1)*time.Second), true))
		}
		for i := range 3 {
			recs = append(recs, job(fmt.Sprintf("b-%02d", i), "b", t0.Add(time.Duration(i)*time.Second), true))
		}
		for _, r := range recs {
			if err := tx.PutJob(r); err != nil {
				return err
			}
			if err := tx.AppendEvent(r.Job.ID, Event{JobID: r.Job.ID, Message: "m"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pruned int
	if err := s.Update(func(tx *Tx) error {
		var err error
		pruned, err = tx.PutNewJob(job("a-new", "a", t0.Add(time.Minute), false), keep)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// a has 10 jobs: the new one and the 4 newest ended ones are the 5 kept,
	// the running one stays beyond the limit, 4 ended ones go.
	if pruned != 4 {
		t.Errorf("pruned = %d; want 4", pruned)
	}
	var ids []string
	if err := s.View(func(tx *Tx) error {
		recs, err := tx.ListJobs()
		for _, r := range recs {
			ids = append(ids, r.Job.ID)
			evs, err := tx.Events(r.Job.ID)
			if err != nil || len(evs) != 1 && r.Job.ID != "a-new" {
				t.Errorf("events of kept job %s = %d, %v", r.Job.ID, len(evs), err)
			}
		}
		for _, gone := range []string{"a-00", "a-01", "a-02", "a-03"} {
			if evs, err := tx.Events(gone); err != nil || len(evs) != 0 {
				t.Errorf("events of pruned job %s = %v, %v; want none", gone, evs, err)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a-running", "b-00", "b-01", "b-02", "a-04", "a-05", "a-06", "a-07", "a-new"}
	if !slices.Equal(ids, want) {
		t.Errorf("jobs left = %v; want %v", ids, want)
	}
}

func TestDeleteJobRemovesEvents(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutJob(JobRecord{Job: Job{ID: "j1"}}); err != nil {
			return err
		}
		if err := tx.AppendEvents([]Event{{JobID: "j1", Message: "one"}, {JobID: "j1", Message: "two"}}); err != nil {
			return err
		}
		return tx.DeleteJob("j1")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		if _, err := tx.GetJob("j1"); !IsNotFound(err) {
			t.Errorf("job after delete: %v", err)
		}
		evs, err := tx.Events("j1")
		if len(evs) != 0 {
			t.Errorf("events after delete = %v", evs)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteJob("j1") }); !IsNotFound(err) {
		t.Errorf("second delete = %v; want not found", err)
	}
}

func TestCommitsCountsWrites(t *testing.T) {
	s, _ := openTemp(t)
	before := s.Commits()
	for range 3 {
		if err := s.Update(func(tx *Tx) error { return tx.PutJob(JobRecord{Job: Job{ID: "j"}}) }); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Update(func(tx *Tx) error { return fmt.Errorf("rolled back") })
	_ = s.View(func(tx *Tx) error { return nil })
	if got := s.Commits() - before; got != 3 {
		t.Errorf("commits = %d; want 3 (rolled back and read transactions do not count)", got)
	}
}
