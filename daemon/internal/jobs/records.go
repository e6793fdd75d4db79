package daemon

import (
	"maps"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// The conversions between the wire types of daemon/api, the runtime's
// Spec and the store's records: each package keeps its own format, and only
// the daemon knows all three.

// runtimeSpec is the runtime a request names.
func runtimeSpec(s api.RuntimeSpec) runtime.Spec {
	return runtime.Spec{Kind: s.Kind, Binary: s.Binary, Env: s.Env}
}

// bindingOf is the record of the runtime a stack is applied with.
func bindingOf(s runtime.Spec) store.RuntimeBinding {
	return store.RuntimeBinding{Kind: s.Kind, Binary: s.Binary, Env: maps.Clone(s.Env)}
}

// boundSpec is the runtime a stored binding names.
func boundSpec(b store.RuntimeBinding) runtime.Spec {
	return runtime.Spec{Kind: b.Kind, Binary: b.Binary, Env: maps.Clone(b.Env)}
}

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
