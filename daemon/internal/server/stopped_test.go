package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// The fake's container control: Stop leaves a container exited, Start
// and Restart leave it running.
func (f *fakeRuntime) Stop(ctx context.Context, names []string) error {
	return f.setState(names, "exited")
}
func (f *fakeRuntime) Start(ctx context.Context, names []string) error {
	return f.setState(names, "running")
}
func (f *fakeRuntime) Restart(ctx context.Context, names []string) error {
	return f.setState(names, "running")
}
func (f *fakeRuntime) Ports(ctx context.Context, name string) ([]runtime.PortBinding, error) {
	return nil, nil
}

func (f *fakeRuntime) setState(names []string, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		c, ok := f.containers[n]
		if !ok {
			return fmt.Errorf("fake: no container %s", n)
		}
		c.State = state
		f.containers[n] = c
	}
	return nil
}

// UpServices is Up, except that the containers of stopped keep their
// state (a new one is created, not started); the lists are recorded.
func (f *fakeRuntime) UpServices(ctx context.Context, project string, composeYAML []byte, workdir string, start, stopped []string, progress func(string)) error {
	f.mu.Lock()
	f.serviceUps = append(f.serviceUps, [2][]string{slices.Clone(start), slices.Clone(stopped)})
	before := map[string]string{}
	for name, c := range f.containers {
		if slices.Contains(stopped, c.Instance()) {
			before[name] = c.State
		}
	}
	f.mu.Unlock()
	if err := f.Up(ctx, project, composeYAML, workdir, progress); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, c := range f.containers {
		if !slices.Contains(stopped, c.Instance()) {
			continue
		}
		c.State = "created"
		if s, ok := before[name]; ok {
			c.State = s
		}
		f.containers[name] = c
	}
	return nil
}

func (e *testEnv) control(stack, action string, instances ...string) api.ControlResult {
	e.t.Helper()
	rec := e.do("POST", "/v1/stacks/"+stack+"/"+action, api.ControlRequest{Instances: instances})
	if rec.Code != http.StatusOK {
		e.t.Fatalf("%s %v: %d %s", action, instances, rec.Code, rec.Body.String())
	}
	return decodeBody[api.ControlResult](e.t, rec)
}

func (e *testEnv) stoppedIntent(stack, inst string) bool {
	e.t.Helper()
	st, err := e.s.storedStack(stack)
	if err != nil {
		e.t.Fatal(err)
	}
	i, ok := st.Instance(inst)
	if !ok {
		e.t.Fatalf("stack %s has no instance %s", stack, inst)
	}
	return i.Stopped
}

func (e *testEnv) state(stack, inst string) string {
	e.rt.mu.Lock()
	defer e.rt.mu.Unlock()
	return e.rt.containers[core.ContainerName(stack, inst)].State
}

// TestStopIsIntended: a stop is recorded; plan does not call it drift;
// apply of another change leaves the instance stopped (never started);
// start ends the stop; apply --start starts a stopped instance and ends
// its stop once applied.
func TestStopIsIntended(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("first apply: %+v", job)
	}

	e.control("shop", "stop", "api")
	if got := e.state("shop", "api"); got != "exited" {
		t.Fatalf("api after stop is %q", got)
	}
	if !e.stoppedIntent("shop", "api") || e.stoppedIntent("shop", "db") {
		t.Fatalf("stop intent: api %v db %v; want api only", e.stoppedIntent("shop", "api"), e.stoppedIntent("shop", "db"))
	}
	v := e.planView("shop", api.PlanRequest{})
	if !v.Empty() || !slices.Equal(v.Stopped, []string{"api"}) {
		t.Fatalf("plan after stop: changes %+v, stopped %v; want no changes, api stopped", v.Changes, v.Stopped)
	}

	// Another change is applied; api is not started.
	e.changeStack("shop", func(st *core.Stack) { st.Instances[1].Overrides.User = ptrTo("999") })
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply with api stopped: %+v", job)
	}
	if got := e.state("shop", "api"); got != "exited" {
		t.Fatalf("apply started the stopped api: state %q", got)
	}
	if n := len(e.rt.serviceUps); n != 1 || !slices.Equal(e.rt.serviceUps[0][0], []string{"db"}) || !slices.Equal(e.rt.serviceUps[0][1], []string{"api"}) {
		t.Fatalf("UpServices calls = %v; want one starting db and leaving api stopped", e.rt.serviceUps)
	}
	if v := e.planView("shop", api.PlanRequest{}); !v.Empty() {
		t.Fatalf("plan after the apply is not empty")
	}

	e.control("shop", "start", "api")
	if e.stoppedIntent("shop", "api") || e.state("shop", "api") != "running" {
		t.Fatalf("after start: intent %v state %q", e.stoppedIntent("shop", "api"), e.state("shop", "api"))
	}
	if v := e.planView("shop", api.PlanRequest{}); !v.Empty() || len(v.Stopped) != 0 {
		t.Fatalf("plan after start: %+v stopped %v", v.Changes, v.Stopped)
	}

	// stop every instance, then apply --start of api only.
	e.control("shop", "stop")
	if !e.stoppedIntent("shop", "api") || !e.stoppedIntent("shop", "db") {
		t.Fatalf("stop of the stack did not record both")
	}
	v = e.planView("shop", api.PlanRequest{Start: true, Save: true, Targets: []string{"api"}})
	if !slices.Equal(v.Starts, []string{"api"}) || len(v.Changes) != 1 || v.Changes[0].Instance != "api" {
		t.Fatalf("plan --start --target api: starts %v changes %+v", v.Starts, v.Changes)
	}
	if rec, _ := e.apply("shop", api.ApplyRequest{Start: true, PlanID: v.ID}); rec.Code == http.StatusOK {
		t.Fatalf("apply --start with a saved plan was accepted")
	}
	if rec, job := e.apply("shop", api.ApplyRequest{PlanID: v.ID}); job.State != api.JobSucceeded {
		t.Logf("%s", rec.Body.String())
		t.Fatalf("apply of the --start plan: %+v", job)
	}
	if e.state("shop", "api") != "running" || e.stoppedIntent("shop", "api") {
		t.Fatalf("after apply --start: api %q intent %v", e.state("shop", "api"), e.stoppedIntent("shop", "api"))
	}
	if e.state("shop", "db") != "exited" || !e.stoppedIntent("shop", "db") {
		t.Fatalf("apply --start --target api touched db: %q intent %v", e.state("shop", "db"), e.stoppedIntent("shop", "db"))
	}
}
