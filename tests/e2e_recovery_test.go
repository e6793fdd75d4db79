//go:build e2e

package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// TestE2ERecoveryDaemonKilledMidApply kills the daemon with SIGKILL while
// an apply job waits for its containers to turn healthy, then checks that
// the next CLI call starts a new daemon that holds no lock, kept the stack's
// definition, marked the job interrupted, plans the convergence and applies
// it. That the engine commands of a killed daemon die with it is checked by
// TestE2ERecoveryDaemonKilledDuringComposeUp, which kills the daemon while
// one is known to run (here the job may be between commands, polling health).
func TestE2ERecoveryDaemonKilledMidApply(t *testing.T) {
	e := requireEngine(t)
	h := newHome(t)
	const stack = "e2rkill"
	e2rSlowStack(t, e, h, stack, "s1", "s2")
	before := h.ok("stack", "show", stack, "--json")

	oldPID := e2rDaemonPID(h)
	h.ok("apply", stack, "--auto-approve", "--detach")
	job := e2rWaitApplyRunning(t, h, stack, 2)

	// The job holds the stack's write lock while it runs.
	var lock api.LockView
	h.json(&lock, "lock", stack)
	if len(lock.Holders) != 1 || !lock.Holders[0].Exclusive || lock.Holders[0].JobID != job.ID {
		t.Fatalf("lock of %s while job %s runs = %+v; want one exclusive holder for the job", stack, job.ID, lock.Holders)
	}

	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 daemon %d: %v", oldPID, err)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("daemon pid %d to die", oldPID), func() bool { return e2rProcessGone(oldPID) })

	// The next call starts a new daemon.
	newPID := e2rDaemonPID(h)
	if newPID == oldPID || newPID <= 0 {
		t.Fatalf("daemon pid after kill -9 = %d; want a new daemon (the killed one was %d)", newPID, oldPID)
	}
	if e2rProcessGone(newPID) {
		t.Fatalf("daemon status names pid %d, which is not running", newPID)
	}

	// No lock survived the dead daemon.
	lock = api.LockView{}
	h.json(&lock, "lock", stack)
	if len(lock.Holders) != 0 {
		t.Errorf("lock of %s after the daemon died = %+v; want none", stack, lock.Holders)
	}
	if out := h.ok("lock", stack); !strings.Contains(out, "not locked") {
		t.Errorf("lock %s = %q; want it to say the stack is not locked", stack, out)
	}

	// The definition is untouched.
	if after := h.ok("stack", "show", stack, "--json"); after != before {
		t.Errorf("stack show after the daemon died differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The job that ran is marked interrupted, with an end time and a reason.
	got := e2rJob(t, h, job.ID)
	if got.State != api.JobInterrupted || got.EndedAt == nil || got.Error == "" {
		t.Errorf("job %s after the daemon died = %+v; want state interrupted with ended_at and an error", job.ID, got)
	}
	if out := h.ok("jobs"); !strings.Contains(out, job.ID) || !strings.Contains(out, "interrupted") {
		t.Errorf("jobs does not show %s as interrupted:\n%s", job.ID, out)
	}

	// The plan shows what is left to converge: both instances, since no
	// snapshot was recorded.
	h.fails(2, "plan", stack, "--detailed-exitcode")
	var p plan.View
	h.json(&p, "plan", stack)
	if p.Empty() || len(p.Changes) != 2 {
		t.Errorf("plan after the interrupted apply has %d changes (network %q); want one per instance:\n%+v", len(p.Changes), p.Network, p.Changes)
	}
	for _, c := range p.Changes {
		if c.Instance != "s1" && c.Instance != "s2" {
			t.Errorf("plan change for unexpected instance %q", c.Instance)
		}
	}

	// Apply is not refused for a lock (the default lock timeout fails at
	// once) and converges.
	out := h.ok("apply", stack, "--auto-approve")
	if !strings.Contains(out, "Apply complete") {
		t.Errorf("apply after recovery printed no completion:\n%s", out)
	}
	e2rRequireHealthy(t, h, stack, "s1", "s2")
	h.fails(0, "plan", stack, "--detailed-exitcode")

	jobs := e2rJobs(t, h, stack)
	if len(jobs) != 2 || jobs[0].State != api.JobSucceeded || jobs[1].ID != job.ID || jobs[1].State != api.JobInterrupted {
		t.Errorf("jobs of %s = %+v; want the new apply succeeded and %s still interrupted", stack, e2rJobStates(jobs), job.ID)
	}
}

// TestE2ERecoveryDaemonKilledDuringComposeUp kills the daemon with SIGKILL
// while its `docker compose up` runs: neither that command nor what it
// started outlives the daemon by more than the start of the next one, and
// the first apply after the crash converges instead of racing a stale
// compose (a container name already in use, a stale plan).
func TestE2ERecoveryDaemonKilledDuringComposeUp(t *testing.T) {
	e := requireEngine(t)
	h := newHome(t)
	const stack = "e2rup"
	e2rSlowStack(t, e, h, stack, "u1", "u2", "u3")
	oldPID := e2rDaemonPID(h)
	h.ok("apply", stack, "--auto-approve", "--detach")

	var groups map[int]bool
	waitFor(t, time.Minute, "the daemon to run docker compose up", func() bool {
		groups = map[int]bool{}
		for _, p := range e2rProcs() {
			if p.ppid == oldPID && e2rIsComposeUp(p.pid) {
				groups[p.pgid] = true
			}
		}
		return len(groups) > 0
	})
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 daemon %d: %v", oldPID, err)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("daemon pid %d to die", oldPID), func() bool { return e2rProcessGone(oldPID) })
	if newPID := e2rDaemonPID(h); newPID == oldPID || e2rProcessGone(newPID) {
		t.Fatalf("daemon pid after kill -9 = %d; want a new, running daemon (the killed one was %d)", newPID, oldPID)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("the compose up of the killed daemon (process groups %v) to end", groups), func() bool {
		return len(e2rGroupMembers(groups)) == 0
	})

	out := h.ok("apply", stack, "--auto-approve")
	if !strings.Contains(out, "Apply complete") {
		t.Errorf("the first apply after the crash printed no completion:\n%s", out)
	}
	e2rRequireHealthy(t, h, stack, "u1", "u2", "u3")
	h.fails(0, "plan", stack, "--detailed-exitcode")
}

// e2rIsComposeUp reports whether pid runs `... compose ... up`.
func e2rIsComposeUp(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(b), "\x00")
	compose := false
	for _, a := range args {
		switch {
		case a == "compose" || strings.HasSuffix(a, "docker-compose") || strings.HasSuffix(a, "podman-compose"):
			compose = true
		case a == "up" && compose:
			return true
		}
	}
	return false
}

// TestE2ERecoveryCtrlCCancelsApply sends SIGINT to a foreground apply and
// checks that its job ends cancelled, the containers it created are
// removed, the lock is released and the next apply is not refused.
func TestE2ERecoveryCtrlCCancelsApply(t *testing.T) {
	e := requireEngine(t)
	h := newHome(t)
	const stack = "e2rint"
	e2rSlowStack(t, e, h, stack, "s1", "s2")

	bg := e2rStart(t, h, "apply", stack, "--auto-approve")
	job := e2rWaitApplyRunning(t, h, stack, 2)
	if err := bg.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT to apply: %v", err)
	}
	code := bg.wait(t, 2*time.Minute)
	stdout, stderr := bg.output()
	if code != 1 || !strings.Contains(stderr, "cancelled") {
		t.Fatalf("apply after Ctrl-C: exit %d, want 1 saying it was cancelled\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	if got := e2rJob(t, h, job.ID); got.State != api.JobCancelled || got.EndedAt == nil {
		t.Errorf("job %s after Ctrl-C = %+v; want cancelled and ended", job.ID, got)
	}
	var lock api.LockView
	h.json(&lock, "lock", stack)
	if len(lock.Holders) != 0 {
		t.Errorf("lock of %s after the cancelled apply = %+v; want none", stack, lock.Holders)
	}
	// With no earlier snapshot, cancelling removes what the apply created.
	var ps []api.Container
	h.json(&ps, "ps", stack)
	if len(ps) != 0 {
		t.Errorf("containers after the cancelled first apply = %+v; want none", ps)
	}
	h.fails(2, "plan", stack, "--detailed-exitcode")

	out := h.ok("apply", stack, "--auto-approve")
	if !strings.Contains(out, "Apply complete: 2 created") {
		t.Errorf("apply after the cancelled one:\n%s", out)
	}
	e2rRequireHealthy(t, h, stack, "s1", "s2")
	h.fails(0, "plan", stack, "--detailed-exitcode")
}

// e2rSlowStack creates stack with one e2r-slow instance per name in h, and
// removes its containers when the test ends.
func e2rSlowStack(t *testing.T, e *drt.Engine, h *home, stack string, instances ...string) {
	t.Helper()
	h.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "e2e-recovery", "e2r-slow.yml"))
	h.ok("stack", "create", stack)
	for _, in := range instances {
		h.ok("instance", "add", stack, in, "--template", "e2r-slow")
	}
	e2rCleanupProject(t, e, h, stack)
}

// e2rCleanupProject destroys stack through devarch when the test ends and
// removes whatever compose project is left through the engine.
func e2rCleanupProject(t *testing.T, e *drt.Engine, h *home, stack string) {
	t.Cleanup(func() {
		if r := h.run("destroy", stack, "--auto-approve"); r.Code != 0 {
			t.Logf("cleanup: destroy %s: %s", stack, r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.RemoveProject(ctx, "devarch-"+stack); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
}

// e2rWaitApplyRunning waits until stack's apply job runs and the stack has
// n containers (compose up ran; the job waits for health), and returns the
// job.
func e2rWaitApplyRunning(t *testing.T, h *home, stack string, n int) api.Job {
	t.Helper()
	var job api.Job
	waitFor(t, time.Minute, "a running apply job of "+stack+" with its containers created", func() bool {
		jobs := e2rJobs(t, h, stack)
		if len(jobs) == 0 || jobs[0].Operation != "apply" {
			return false
		}
		job = jobs[0]
		if job.State.Done() {
			t.Fatalf("apply job %s ended before it could be interrupted: %+v", job.ID, job)
		}
		var ps []api.Container
		h.json(&ps, "ps", stack)
		return job.State == api.JobRunning && len(ps) == n
	})
	return job
}

// e2rRequireHealthy fails unless stack's containers are exactly instances,
// each running and healthy.
func e2rRequireHealthy(t *testing.T, h *home, stack string, instances ...string) {
	t.Helper()
	var ps []api.Container
	h.json(&ps, "ps", stack)
	got := map[string]api.Container{}
	for _, c := range ps {
		got[c.Instance] = c
	}
	if len(ps) != len(instances) {
		t.Errorf("ps %s = %+v; want containers of %v", stack, ps, instances)
	}
	for _, in := range instances {
		c, ok := got[in]
		if !ok || c.State != "running" || c.Health != "healthy" || c.Name != "devarch-"+stack+"-"+in {
			t.Errorf("container of %s/%s = %+v; want devarch-%s-%s running and healthy", stack, in, c, stack, in)
		}
	}
}

// e2rDaemonPID returns the pid `daemon status` reports (starting the daemon).
func e2rDaemonPID(h *home) int {
	h.t.Helper()
	var st api.Status
	h.json(&st, "daemon", "status")
	return st.PID
}

// e2rJobs returns stack's jobs, newest first.
func e2rJobs(t *testing.T, h *home, stack string) []api.Job {
	t.Helper()
	var all, out []api.Job
	h.json(&all, "jobs")
	for _, j := range all {
		if j.Stack == stack {
			out = append(out, j)
		}
	}
	return out
}

// e2rJob returns the job with id from `jobs --json`.
func e2rJob(t *testing.T, h *home, id string) api.Job {
	t.Helper()
	var all []api.Job
	h.json(&all, "jobs")
	for _, j := range all {
		if j.ID == id {
			return j
		}
	}
	t.Fatalf("job %s is not in `jobs`: %+v", id, e2rJobStates(all))
	return api.Job{}
}

func e2rJobStates(jobs []api.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, fmt.Sprintf("%s %s %s %s", j.ID, j.Operation, j.State, j.Error))
	}
	return out
}

// e2rProcessGone reports whether pid has exited: no such process, or a
// zombie nobody reaped (the daemon's parent is gone and init may not reap).
func e2rProcessGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// e2rGroupMembers are the live processes of groups.
func e2rGroupMembers(groups map[int]bool) []int {
	var out []int
	for _, f := range e2rProcs() {
		if groups[f.pgid] && f.state != "Z" {
			out = append(out, f.pid)
		}
	}
	return out
}

type e2rProc struct {
	pid, ppid, pgid int
	state           string
}

// e2rProcs reads every process's state, parent and group from /proc.
func e2rProcs() []e2rProc {
	entries, _ := os.ReadDir("/proc")
	var out []e2rProc
	for _, e := range entries {
		var p e2rProc
		if _, err := fmt.Sscan(e.Name(), &p.pid); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 {
			continue
		}
		if _, err := fmt.Sscan(string(b[i+1:]), &p.state, &p.ppid, &p.pgid); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// e2rCmd is a devarch process running in the background.
type e2rCmd struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	out      bytes.Buffer
	errb     bytes.Buffer
	finished chan struct{} // closed when the process has exited
	err      error         // what Wait returned, once finished
}

type e2rWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w e2rWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// e2rStart runs devarch args in h in the background; the process is killed
// if it is still running when the test ends.
func e2rStart(t *testing.T, h *home, args ...string) *e2rCmd {
	t.Helper()
	c := &e2rCmd{finished: make(chan struct{})}
	c.cmd = exec.Command(devarchBin, args...)
	c.cmd.Env = h.env
	c.cmd.Stdout = e2rWriter{&c.mu, &c.out}
	c.cmd.Stderr = e2rWriter{&c.mu, &c.errb}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start devarch %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.finished)
	}()
	t.Cleanup(func() {
		select {
		case <-c.finished:
		default:
			c.cmd.Process.Kill()
			<-c.finished
		}
	})
	return c
}

// wait returns the process's exit code, failing the test after d.
func (c *e2rCmd) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-c.finished:
		var ee *exec.ExitError
		if errors.As(c.err, &ee) {
			return ee.ExitCode()
		}
		if c.err != nil {
			t.Fatalf("devarch %s: %v", strings.Join(c.cmd.Args[1:], " "), c.err)
		}
		return 0
	case <-time.After(d):
		stdout, stderr := c.output()
		t.Fatalf("devarch %s still running after %s\nstdout:\n%s\nstderr:\n%s", strings.Join(c.cmd.Args[1:], " "), d, stdout, stderr)
		return -1
	}
}

func (c *e2rCmd) output() (stdout, stderr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String(), c.errb.String()
}

// e2rDecode decodes JSON data into v, failing the test on error.
func e2rDecode(t *testing.T, what, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, data)
	}
}
