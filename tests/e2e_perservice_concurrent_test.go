//go:build e2e

package tests

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// removeInstanceProjects removes the compose projects of a per-service
// stack's instances when the test ends, should it stop before destroy.
func (x *e2s) removeInstanceProjects(stack string, instances ...string) {
	x.t.Cleanup(func() {
		for _, inst := range instances {
			if err := x.e.RemoveProject(context.Background(), core.InstanceProjectName(stack, inst)); err != nil {
				x.t.Errorf("cleanup: %v", err)
			}
		}
	})
}

// TestE2SConcurrentTargetedApplies starts two targeted applies of
// different instances of a per-service stack at once (--detach): both
// jobs run together, each holding its own instance under the shared stack
// lock (an apply of the whole stack is refused meanwhile, naming a
// holder), both succeed, and the snapshot records both instances.
func TestE2SConcurrentTargetedApplies(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("conc", "g1=e2s-gated", "g2=e2s-gated")
	x.removeInstanceProjects(s, "g1", "g2")
	x.ok("stack", "set", s, "--compose-mode", "per-service")

	started := regexp.MustCompile(`Started apply job ([0-9a-f]+) for stack`)
	jobs := make([]string, 2)
	var wg sync.WaitGroup
	for i, inst := range []string{"g1", "g2"} {
		wg.Go(func() {
			r := x.home.run("apply", s, "--target", inst, "--auto-approve", "--detach", "--lock-timeout", "30s")
			if m := started.FindStringSubmatch(r.Stdout); r.Code == 0 && m != nil {
				jobs[i] = m[1]
				return
			}
			t.Errorf("apply --target %s --detach: %s", inst, r)
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Each job waits for its gate: both run now, side by side.
	holders := x.lockHolders(s)
	var held []string
	for _, h := range holders {
		if h.Exclusive || h.Operation != "apply" || !slices.Contains(jobs, h.JobID) {
			t.Errorf("lock holder %+v; want a shared holder of one of jobs %v", h, jobs)
		}
		held = append(held, strings.Join(h.Instances, ","))
	}
	slices.Sort(held)
	if !slices.Equal(held, []string{"g1", "g2"}) {
		t.Fatalf("the lock holders hold %q; want g1 and g2, one each", held)
	}
	r := x.fails(1, "apply", s, "--auto-approve", "--lock-timeout", "500ms")
	if !strings.Contains(r.Stderr, "of instance(s) g") {
		t.Errorf("an apply of the whole stack should be refused naming an instance holder:\n%s", r)
	}
	for _, id := range jobs {
		if j := x.job(id); j.State != api.JobRunning {
			t.Fatalf("job %s is %s; want both running together", id, j.State)
		}
	}

	for _, inst := range []string{"g1", "g2"} {
		name := core.ContainerName(s, inst)
		waitFor(t, time.Minute, name+" to run", func() bool {
			for _, c := range x.containers(s) {
				if c.Name == name && c.State == "running" {
					return true
				}
			}
			return false
		})
		if _, err := x.runContainer("e2s-gate-"+name, "--network", "container:"+name, testImage, "listen", "9999"); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range jobs {
		if j := x.waitJob(id, 2*time.Minute); j.State != api.JobSucceeded {
			t.Fatalf("job %s ended %s: %s", id, j.State, j.Error)
		}
	}
	if holders := x.lockHolders(s); len(holders) != 0 {
		t.Errorf("locks left after both jobs: %+v", holders)
	}
	x.ok("plan", s, "--detailed-exitcode") // both recorded as applied: nothing pending
	x.ok("destroy", s, "--auto-approve")
	if cs := x.containers(s); len(cs) != 0 {
		t.Errorf("after destroy the stack runs %+v", cs)
	}
}

// TestE2SVolumeSurvivesModeSwitch writes a file into a named volume in
// per-service mode, switches to stack mode and back, and reads it each
// time; destroy lists the volume as kept (it carries the instance
// project's label), and destroy --purge removes and names it.
func TestE2SVolumeSurvivesModeSwitch(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("volsw", "web=e2s-web")
	vol := core.ProjectName(s) + "_data"
	x.removeInstanceProjects(s, "web")
	t.Cleanup(func() { x.e.RemoveVolumes(context.Background(), []string{vol}) })
	web := core.ContainerName(s, "web")
	x.ok("instance", "set", s, "web", "--volume", "data:/data")
	x.ok("stack", "set", s, "--compose-mode", "per-service")
	x.apply(s)
	if _, err := x.e.Exec(x.ctx(), web, "/testprog", "write", "/data/marker", "kept-"+s); err != nil {
		t.Fatalf("write into the volume: %v", err)
	}
	read := func(when string) {
		t.Helper()
		got, err := x.e.Exec(x.ctx(), web, "/testprog", "cat", "/data/marker")
		if err != nil || got != "kept-"+s {
			t.Errorf("%s the volume holds %q (%v); want %q", when, got, err, "kept-"+s)
		}
	}
	for _, mode := range []string{"stack", "per-service"} {
		before := x.containerIDs(s)[web]
		x.ok("stack", "set", s, "--compose-mode", mode)
		x.apply(s)
		if after := x.containerIDs(s)[web]; after == before || after == "" {
			t.Errorf("switching to %s mode did not recreate %s (%s → %s)", mode, web, before, after)
		}
		read("after switching to " + mode + " mode")
	}

	out := x.ok("destroy", s, "--auto-approve")
	if want := "Volumes kept: " + vol; !strings.Contains(out, want) {
		t.Errorf("destroy should list the kept volume (%q):\n%s", want, out)
	}
	x.apply(s)
	read("after destroy and apply")
	out = x.ok("destroy", s, "--auto-approve", "--purge")
	if want := "with its volumes " + vol; !strings.Contains(out, want) {
		t.Errorf("destroy --purge should name the volume (%q):\n%s", want, out)
	}
	if left, err := x.e.StackVolumes(x.ctx(), s); err != nil || len(left) != 0 {
		t.Errorf("after the purge the stack's volumes are %q (%v); want none", left, err)
	}
}
