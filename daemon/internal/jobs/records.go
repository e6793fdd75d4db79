package jobs

import (
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// The conversions between the jobs and events of daemon/api and the
// store's records: each package keeps its own format.

func jobRecord(j api.Job, pid int) store.JobRecord {
	return store.JobRecord{PID: pid, Job: store.Job{
		ID: j.ID, Stack: j.Stack, Operation: j.Operation, PlanID: j.PlanID, State: string(j.State),
		Error: j.Error, Instance: j.Instance, CreatedAt: j.CreatedAt, EndedAt: j.EndedAt, Summary: j.Summary,
	}}
}

func jobFromRecord(r store.JobRecord) api.Job {
	j := r.Job
	return api.Job{
		ID: j.ID, Stack: j.Stack, Operation: j.Operation, PlanID: j.PlanID, State: api.JobState(j.State),
		Error: j.Error, Instance: j.Instance, CreatedAt: j.CreatedAt, EndedAt: j.EndedAt, Summary: j.Summary,
	}
}

func eventRecord(e api.Event) store.Event {
	return store.Event{Time: e.Time, JobID: e.JobID, Instance: e.Instance, Message: e.Message, State: string(e.State)}
}

func eventFromRecord(e store.Event) api.Event {
	return api.Event{Time: e.Time, JobID: e.JobID, Instance: e.Instance, Message: e.Message, State: api.JobState(e.State)}
}
