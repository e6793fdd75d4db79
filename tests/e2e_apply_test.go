//go:build e2e

package tests

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// e2sPortRange is the host ports these tests may publish.
const e2sPortLow, e2sPortHigh = 18000, 18999

// e2sPorts are the ports e2sFreePort handed out, never handed out twice.
var e2sPorts struct {
	sync.Mutex
	used map[int]bool
}

// e2sFreePort returns a host port of the range that nothing listens on now
// and that no other test of this process was given.
func e2sFreePort(t *testing.T) int {
	t.Helper()
	e2sPorts.Lock()
	defer e2sPorts.Unlock()
	if e2sPorts.used == nil {
		e2sPorts.used = map[int]bool{}
	}
	start := rand.IntN(e2sPortHigh - e2sPortLow + 1)
	for i := range e2sPortHigh - e2sPortLow + 1 {
		port := e2sPortLow + (start+i)%(e2sPortHigh-e2sPortLow+1)
		if e2sPorts.used[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err == nil {
			l.Close()
			e2sPorts.used[port] = true
			return port
		}
	}
	t.Fatalf("no free port in %d-%d", e2sPortLow, e2sPortHigh)
	return 0
}

// savePlan saves a plan of stack and returns it.
func (x *e2s) savePlan(stack string) plan.View {
	x.t.Helper()
	var p plan.View
	x.json(&p, "plan", stack, "--save")
	if p.ID == "" {
		x.t.Fatalf("plan %s --save returned no plan ID", stack)
	}
	return p
}

// jobs lists the daemon's jobs, newest first.
func (x *e2s) jobs() []api.Job {
	x.t.Helper()
	var js []api.Job
	x.json(&js, "jobs")
	return js
}

// job returns the job with id.
func (x *e2s) job(id string) api.Job {
	x.t.Helper()
	for _, j := range x.jobs() {
		if j.ID == id {
			return j
		}
	}
	x.t.Fatalf("no job %s", id)
	return api.Job{}
}

// lastJob returns the newest job of stack.
func (x *e2s) lastJob(stack string) api.Job {
	x.t.Helper()
	for _, j := range x.jobs() {
		if j.Stack == stack {
			return j
		}
	}
	x.t.Fatalf("stack %s has no job", stack)
	return api.Job{}
}

// waitJob polls job id until it has ended and returns it.
func (x *e2s) waitJob(id string, d time.Duration) api.Job {
	x.t.Helper()
	var j api.Job
	waitFor(x.t, d, "job "+id+" to end", func() bool {
		j = x.job(id)
		return j.State.Done()
	})
	return j
}

// lockHolders returns who holds stack's lock.
func (x *e2s) lockHolders(stack string) []api.LockInfo {
	x.t.Helper()
	var v api.LockView
	x.json(&v, "lock", stack)
	return v.Holders
}

// TestE2SStalePlanRefused saves a plan, changes what it was computed from
// (or lets it expire, or applies it to another stack) and applies it:
// apply refuses it before starting any job and says what changed since.
func TestE2SStalePlanRefused(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s, other := x.stack("stale", "web=e2s-web"), x.stack("stale-other", "web=e2s-web")
	x.apply(s)
	tpl, err := os.ReadFile(filepath.Join(repoRoot(), "tests", "testdata", "e2e", "e2s-web.yml"))
	if err != nil {
		t.Fatal(err)
	}
	web := core.ContainerName(s, "web")
	stale := func(p plan.View, what string) []string {
		return []string{"plan " + p.ID + " is stale: " + what, "run `plan " + s + "` again"}
	}
	tests := []struct {
		name   string
		save   []string // extra flags of plan --save
		change func(x *e2s)
		target string // the stack the plan is applied to, s when empty
		want   func(p plan.View) []string
	}{
		{
			name:   "instance changed",
			change: func(x *e2s) { x.ok("instance", "set", s, "web", "--env", "E2S_CHANGED=1") },
			want: func(p plan.View) []string {
				return stale(p, fmt.Sprintf("stack %q changed since the plan (serial %d → %d)", s, p.Serial, p.Serial+1))
			},
		},
		{
			name: "template changed",
			change: func(x *e2s) {
				changed := strings.Replace(string(tpl), `MARKER: {value: "v1"}`, `MARKER: {value: "v2"}`, 1)
				if changed == string(tpl) {
					x.t.Fatal("e2s-web.yml has no MARKER v1 to change")
				}
				if r := x.runIn(changed, "template", "add", "-f", "-", "--replace"); r.Code != 0 {
					x.t.Fatalf("replace template: %s", r)
				}
			},
			want: func(p plan.View) []string {
				return stale(p, "the desired configuration changed since the plan")
			},
		},
		{
			name: "container removed",
			change: func(x *e2s) {
				if err := x.e.RemoveContainers(x.ctx(), web); err != nil {
					x.t.Fatal(err)
				}
			},
			want: func(p plan.View) []string {
				return stale(p, "live containers changed since the plan: "+web+" is gone")
			},
		},
		{
			name: "expired",
			save: []string{"--ttl", "1ms"},
			want: func(p plan.View) []string {
				return []string{fmt.Sprintf("plan %s expired at %s", p.ID, p.ExpiresAt.UTC().Format(time.RFC3339))}
			},
		},
		{
			name:   "other stack",
			target: other,
			want: func(p plan.View) []string {
				return []string{fmt.Sprintf("plan %s is for stack %q, not %q", p.ID, s, other)}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := x.sub(t)
			var p plan.View
			x.json(&p, append([]string{"plan", s, "--save"}, tc.save...)...)
			jobs := len(x.jobs())
			if tc.change != nil {
				tc.change(x)
			}
			r := x.fails(1, "apply", cmp.Or(tc.target, s), "--plan", p.ID)
			for _, want := range tc.want(p) {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("apply of a stale plan should say %q:\n%s", want, r)
				}
			}
			if n := len(x.jobs()); n != jobs {
				t.Errorf("the refused apply started %d job(s)", n-jobs)
			}
		})
	}
}

// TestE2SSavedPlanAppliesOnce applies a saved plan, then the same plan
// again: the second apply is refused as already applied and changes nothing.
func TestE2SSavedPlanAppliesOnce(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("once", "web=e2s-web")
	p := x.savePlan(s)
	if out := x.ok("apply", s, "--plan", p.ID); !strings.Contains(out, "Apply complete: 1 created") {
		t.Errorf("first apply of plan %s:\n%s", p.ID, out)
	}
	jobs, ids := x.jobs(), x.containerIDs(s)
	if len(jobs) != 1 || jobs[0].PlanID != p.ID || jobs[0].State != api.JobSucceeded {
		t.Fatalf("after the first apply, jobs = %+v; want one succeeded job of plan %s", jobs, p.ID)
	}

	r := x.fails(1, "apply", s, "--plan", p.ID)
	if want := fmt.Sprintf("plan %s was already applied at ", p.ID); !strings.Contains(r.Stderr, want) {
		t.Errorf("second apply of plan %s should say %q:\n%s", p.ID, want, r)
	}
	if n := len(x.jobs()); n != len(jobs) {
		t.Errorf("the refused apply started %d job(s)", n-len(jobs))
	}
	if now := x.containerIDs(s); fmt.Sprint(now) != fmt.Sprint(ids) {
		t.Errorf("the refused apply changed the containers: %v, was %v", now, ids)
	}
}

// TestE2SConcurrentApplyRefused starts an apply whose container stays
// unhealthy until the test opens its gate, so the job holds the stack's
// write lock for as long as the test needs. Every other writer is refused
// at once with the holder: operation, job, who, pid and since. Once the
// gate opens the first job succeeds and the lock is released.
func TestE2SConcurrentApplyRefused(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("lock", "gate=e2s-gated")
	first, second := x.savePlan(s), x.savePlan(s)

	out := x.ok("apply", s, "--plan", first.ID, "--detach")
	m := regexp.MustCompile(`Started apply job ([0-9a-f]+) for stack`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("apply --detach printed no job ID:\n%s", out)
	}
	jobID := m[1]
	holders := x.lockHolders(s)
	if len(holders) != 1 {
		t.Fatalf("while job %s runs, lock holders = %+v; want exactly its own", jobID, holders)
	}
	h := holders[0]
	if !h.Exclusive || h.Operation != "apply" || h.JobID != jobID || h.PID <= 0 || !strings.Contains(h.Who, "@") {
		t.Errorf("lock holder = %+v; want apply of job %s, exclusive, with pid and user@host", h, jobID)
	}
	wantMsg := fmt.Sprintf("stack %q is locked: apply (job %s) by %s, pid %d, since %s",
		s, jobID, h.Who, h.PID, h.Created.UTC().Format(time.RFC3339))

	contenders := [][]string{
		{"apply", s, "--plan", second.ID},
		{"apply", s, "--auto-approve", "--lock-timeout", "500ms"},
		{"destroy", s, "--auto-approve", "--lock-timeout", "500ms"},
	}
	for _, args := range contenders {
		r := x.fails(1, args...)
		if !strings.Contains(r.Stderr, wantMsg) {
			t.Errorf("devarch %s should be refused with %q:\n%s", strings.Join(args, " "), wantMsg, r)
		}
	}
	if j := x.job(jobID); j.State != api.JobRunning {
		t.Fatalf("job %s is %s after the refusals; it should still hold the lock running", jobID, j.State)
	}
	if jobs := x.jobs(); len(jobs) != 1 {
		t.Errorf("refused writers started jobs: %+v", jobs)
	}

	gated := core.ContainerName(s, "gate")
	waitFor(t, time.Minute, gated+" to run", func() bool {
		cs := x.containers(s)
		return len(cs) == 1 && cs[0].State == "running"
	})
	if _, err := x.runContainer("e2s-gate-"+s, "--network", "container:"+gated, testImage, "listen", "9999"); err != nil {
		t.Fatal(err)
	}
	if j := x.waitJob(jobID, 2*time.Minute); j.State != api.JobSucceeded {
		t.Fatalf("job %s ended %s: %s", jobID, j.State, j.Error)
	}
	if holders := x.lockHolders(s); len(holders) != 0 {
		t.Errorf("lock still held after job %s ended: %+v", jobID, holders)
	}
	// The plan saved alongside was not applied meanwhile: it is stale now.
	r := x.fails(1, "apply", s, "--plan", second.ID)
	if want := "plan " + second.ID + " is stale: "; !strings.Contains(r.Stderr, want) {
		t.Errorf("the other plan should now be refused as stale (%q):\n%s", want, r)
	}
}

// TestE2SFailedApplyRollsBack makes an apply fail on a host port another
// process holds: the job rolls back to the previous applied snapshot, the
// error names the instance and the port, and the old container runs again.
func TestE2SFailedApplyRollsBack(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	holders := []struct {
		name string
		hold func(x *e2s, stack string, port int)
	}{
		{"container", func(x *e2s, stack string, port int) {
			if _, err := x.runContainer("e2s-porthog-"+stack, "-p", fmt.Sprintf("%d:8080", port), testImage); err != nil {
				x.t.Fatal(err)
			}
		}},
		{"listener", func(x *e2s, _ string, port int) {
			l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
			if err != nil {
				x.t.Fatal(err)
			}
			x.t.Cleanup(func() { l.Close() })
		}},
	}
	for _, tc := range holders {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := x.sub(t)
			s := x.stack("port-"+tc.name, "api=e2s-web")
			x.apply(s)
			var st core.Stack
			x.json(&st, "stack", "show", s)
			port := e2sFreePort(t)
			tc.hold(x, s, port)
			x.ok("instance", "set", s, "api", "--port", fmt.Sprintf("%d:8080", port))

			r := x.fails(1, "apply", s, "--auto-approve")
			reason := fmt.Sprintf("instance api: port %d already allocated", port)
			for _, want := range []string{reason, "rolled back to the previous applied state"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("failed apply should say %q:\n%s", want, r)
				}
			}
			if j := x.lastJob(s); j.State != api.JobRolledBack || j.Instance != "api" || !strings.Contains(j.Error, reason) {
				t.Errorf("job %s: state %s, instance %q, error %q; want rolled_back, api, %q",
					j.ID, j.State, j.Instance, j.Error, reason)
			}
			cs := x.containers(s)
			if len(cs) != 1 || cs[0].Instance() != "api" || cs[0].State != "running" || cs[0].Health != "healthy" ||
				strings.Contains(cs[0].Ports, fmt.Sprint(port)) {
				t.Errorf("after the rollback the stack runs %+v; want api running healthy without port %d", cs, port)
			}
			var stacks []api.StackSummary
			x.json(&stacks, "stack", "ls")
			for _, sum := range stacks {
				if sum.Name == s && (sum.AppliedSerial != st.Serial || sum.Serial != st.Serial+1) {
					t.Errorf("stack %s: serial %d applied %d; want the snapshot of serial %d kept, definition at %d",
						s, sum.Serial, sum.AppliedSerial, st.Serial, st.Serial+1)
				}
			}
			// The change is still to be applied, and the lock is free.
			x.fails(2, "plan", s, "--detailed-exitcode")
			if h := x.lockHolders(s); len(h) != 0 {
				t.Errorf("lock held after the rolled back job: %+v", h)
			}
		})
	}
}

// TestE2SEmptyPlanRunsNothing applies a stack that already matches its
// definition: apply says there is nothing to do and starts no job; a saved
// empty plan is recorded as a job that made no compose call; no container
// changes.
func TestE2SEmptyPlanRunsNothing(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("empty", "web=e2s-web", "api=e2s-web")
	x.apply(s)
	ids, jobs := x.containerIDs(s), x.jobs()

	x.ok("plan", s, "--detailed-exitcode")
	out := x.apply(s)
	if want := fmt.Sprintf("No changes. Stack %q matches the configuration.", s); !strings.Contains(out, want) {
		t.Errorf("apply of an unchanged stack should say %q:\n%s", want, out)
	}
	if strings.Contains(out, "apply started") || strings.Contains(out, "compose up") {
		t.Errorf("apply of an unchanged stack ran something:\n%s", out)
	}
	if n := len(x.jobs()); n != len(jobs) {
		t.Errorf("apply of an unchanged stack started %d job(s)", n-len(jobs))
	}

	p := x.savePlan(s)
	if !p.Empty() {
		t.Fatalf("plan of an unchanged stack is not empty: %+v", p.Changes)
	}
	if out := x.ok("apply", s, "--plan", p.ID); !strings.Contains(out, "No changes.") {
		t.Errorf("apply of the empty plan %s should say No changes.:\n%s", p.ID, out)
	}
	after := x.jobs()
	if len(after) != len(jobs)+1 {
		t.Fatalf("apply of a saved empty plan recorded %d jobs, want 1", len(after)-len(jobs))
	}
	j := after[0]
	if j.PlanID != p.ID || j.State != api.JobSucceeded || j.Summary != "No changes." {
		t.Errorf("job of the empty plan = %+v; want succeeded, plan %s, summary No changes.", j, p.ID)
	}
	events := x.ok("jobs", "attach", j.ID)
	if strings.TrimSpace(events) != "No changes." {
		t.Errorf("job %s of the empty plan should have the one event No changes.:\n%s", j.ID, events)
	}
	if now := x.containerIDs(s); fmt.Sprint(now) != fmt.Sprint(ids) {
		t.Errorf("the empty apply changed the containers: %v, was %v", now, ids)
	}
	x.fails(1, "apply", s, "--plan", p.ID) // applied once, even when empty
}
