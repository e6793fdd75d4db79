//go:build e2e

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// e2fStack is x.stack with the e2f- prefix.
func e2fStack(x *e2s, name string, instances ...string) string {
	x.t.Helper()
	return x.stackNamed("e2f", name, instances...)
}

// e2fWrite writes content to a file under dir and returns its path.
func e2fWrite(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// e2fCat is the content of file path inside container, as the test
// program reads it there.
func e2fCat(t *testing.T, x *e2s, container, path string) string {
	t.Helper()
	out, err := x.e.Exec(x.ctx(), container, "/testprog", "cat", path)
	if err != nil {
		t.Fatalf("cat %s in %s: %v %s", path, container, err, out)
	}
	return out
}

// e2fFile is a stack whose instance web (template e2s-web) has config
// file target set from a local file, applied with the content
// "greeting=v1\n" and checked to read it.
type e2fFile struct {
	stack, web string        // the stack, and web's container
	dir, local string        // the local file's directory, and its path
	cat        func() string // the file's content inside the container
}

// e2fFileApplied makes an e2fFile named after name.
func e2fFileApplied(t *testing.T, x *e2s, name, target string) e2fFile {
	t.Helper()
	f := e2fFile{stack: e2fStack(x, name, "web=e2s-web"), dir: t.TempDir()}
	f.web = core.ContainerName(f.stack, "web")
	f.local = e2fWrite(t, f.dir, "app.conf", "greeting=v1\n")
	x.ok("instance", "set", f.stack, "web", "--file", target+"=@"+f.local)
	x.apply(f.stack)
	f.cat = func() string { t.Helper(); return e2fCat(t, x, f.web, target) }
	if got := f.cat(); got != "greeting=v1\n" {
		t.Fatalf("container reads %q; want the first content", got)
	}
	return f
}

// TestE2EApplyFileContentReachesContainer changes a config file's content: the
// plan updates the instance, and after apply the container reads the new
// content (it was recreated, not left on the replaced file).
func TestE2EApplyFileContentReachesContainer(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	const target = "/etc/e2f/app.conf"
	f := e2fFileApplied(t, x, "files", target)
	s, web, dir, local, cat := f.stack, f.web, f.dir, f.local, f.cat
	before := x.containerIDs(s)[web]

	e2fWrite(t, dir, "app.conf", "greeting=v2\n")
	x.ok("instance", "set", s, "web", "--file", target+"=@"+local)
	var p plan.View
	x.json(&p, "plan", s)
	if len(p.Changes) != 1 || p.Changes[0].Instance != "web" || p.Changes[0].Action != plan.Update {
		t.Fatalf("plan after the content change = %+v; want ~ web", p.Changes)
	}
	if out := x.apply(s); !strings.Contains(out, "Apply complete: 0 created, 1 updated") {
		t.Errorf("apply of the content change:\n%s", out)
	}
	if got := cat(); got != "greeting=v2\n" {
		t.Errorf("after apply the container reads %q; want the new content greeting=v2", got)
	}
	if after := x.containerIDs(s)[web]; after == before {
		t.Errorf("container %s was not recreated (id %s)", web, after)
	}
	x.fails(0, "plan", s, "--detailed-exitcode")

	// A sensitive file's new content reaches the container as well.
	secret := e2fWrite(t, dir, "token", "tok-e2f-1\n")
	x.ok("instance", "set", s, "web", "--file", "/run/e2f/token=@"+secret, "--sensitive")
	x.apply(s)
	e2fWrite(t, dir, "token", "tok-e2f-2\n")
	x.ok("instance", "set", s, "web", "--file", "/run/e2f/token=@"+secret, "--sensitive")
	out := x.apply(s)
	if strings.Contains(out, "tok-e2f") {
		t.Errorf("apply printed the sensitive content:\n%s", out)
	}
	if got, err := x.e.Exec(x.ctx(), web, "/testprog", "cat", "/run/e2f/token"); err != nil || got != "tok-e2f-2\n" {
		t.Errorf("sensitive file in the container = %q, %v; want the new content", got, err)
	}
}

// TestE2EApplyUserBindMountCreated mounts a host path that does not exist yet:
// apply creates it, as `docker compose up` does for a short-syntax bind.
func TestE2EApplyUserBindMountCreated(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := e2fStack(x, "bind", "web=e2s-web")
	host := filepath.Join(t.TempDir(), "not", "yet", "data")
	x.ok("instance", "set", s, "web", "--volume", host+":/data")
	if out := x.apply(s); !strings.Contains(out, "Apply complete: 1 created") {
		t.Fatalf("apply with a missing bind source:\n%s", out)
	}
	if fi, err := os.Stat(host); err != nil || !fi.IsDir() {
		t.Errorf("bind source %s after apply: %v; want a directory", host, err)
	}
	x.fails(0, "plan", s, "--detailed-exitcode")
}

// TestE2EApplyRuntimeBoundToApply applies a stack on Podman: a plan saved for
// Podman is refused on Docker, and once applied on Podman, plan and apply
// on Docker are refused, naming both runtimes and the way out, instead of
// showing drift and running a second copy on Docker. Destroyed on Podman,
// the stack moves to Docker.
func TestE2EApplyRuntimeBoundToApply(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	if x.e.Kind() != "docker" {
		t.Skip("needs Docker as the default runtime and Podman beside it")
	}
	pe := requirePodman(t)
	s := e2fStack(x, "rt", "web=e2s-web")
	t.Cleanup(func() { // x's cleanup removes the project from Docker
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := pe.RemoveProject(ctx, core.ProjectName(s)); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})

	var p plan.View
	x.json(&p, "plan", s, "--save", "--runtime", "podman")
	if p.RuntimeKind != "podman" {
		t.Errorf("plan runtime kind = %q; want podman", p.RuntimeKind)
	}
	r := x.fails(1, "apply", s, "--plan", p.ID)
	for _, want := range []string{fmt.Sprintf("plan %s was made for runtime podman, not docker", p.ID), "--runtime podman"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("apply of a podman plan on docker should say %q:\n%s", want, r)
		}
	}
	if out := x.ok("apply", s, "--plan", p.ID, "--runtime", "podman"); !strings.Contains(out, "Apply complete: 1 created") {
		t.Fatalf("apply on podman:\n%s", out)
	}

	wantMsg := fmt.Sprintf("stack %q was applied with runtime podman, not docker", s)
	for _, args := range [][]string{
		{"plan", s},
		{"apply", s, "--auto-approve"},
		{"destroy", s, "--auto-approve"},
	} {
		r := x.fails(1, args...)
		for _, want := range []string{wantMsg, "--runtime podman", "destroy " + s + " --runtime podman"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("devarch %s should say %q:\n%s", strings.Join(args, " "), want, r)
			}
		}
	}
	if cs := x.containers(s); len(cs) != 0 {
		t.Errorf("docker runs %+v of a stack applied on podman", cs)
	}
	if cs, err := pe.Containers(x.ctx(), s); err != nil || len(cs) != 1 || cs[0].State != "running" {
		t.Errorf("podman containers = %+v, %v; want the web container running", cs, err)
	}
	x.fails(0, "plan", s, "--runtime", "podman", "--detailed-exitcode")

	x.ok("destroy", s, "--auto-approve", "--runtime", "podman")
	if out := x.apply(s); !strings.Contains(out, "Apply complete: 1 created") {
		t.Errorf("apply on docker after the podman destroy:\n%s", out)
	}
	if cs := x.containers(s); len(cs) != 1 {
		t.Errorf("docker containers after moving = %+v; want web", cs)
	}
}

// TestE2EApplyInvalidFragmentRefused: a compose fragment compose would refuse
// is refused when stored (instance set, devarch.yml import), naming the
// field, instead of passing plan and failing at apply.
func TestE2EApplyInvalidFragmentRefused(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := e2fStack(x, "frag", "web=e2s-web")
	dir := t.TempDir()
	before := x.ok("stack", "show", s)
	for frag, want := range map[string]string{
		"mem_limit: lots\n":          "mem_limit",
		"ports: [\"notaport:80\"]\n": `"ports"`,
		"stop_grace_period: soon\n":  "stop_grace_period",
	} {
		r := x.fails(1, "instance", "set", s, "web", "--compose-file", e2fWrite(t, dir, "frag.yml", frag))
		if !strings.Contains(r.Stderr, "instances.web.compose") || !strings.Contains(r.Stderr, want) {
			t.Errorf("instance set --compose-file %q should name instances.web.compose and %s:\n%s", frag, want, r)
		}
	}
	if after := x.ok("stack", "show", s); after != before {
		t.Errorf("refused fragments changed the stack:\n%s\n---\n%s", before, after)
	}
	x.ok("plan", s)
	// ...and a valid one is stored and applies.
	x.ok("instance", "set", s, "web", "--compose-file", e2fWrite(t, dir, "frag.yml", "mem_limit: 256m\n"))
	x.apply(s)

	// devarch.yml import: the same fragment made invalid is refused.
	exported := x.ok("export", s)
	if !strings.Contains(exported, "mem_limit: 256m") {
		t.Fatalf("export lacks the fragment:\n%s", exported)
	}
	bad := strings.Replace(exported, "mem_limit: 256m", "mem_limit: lots", 1)
	other := newHome(t)
	other.env = append(other.env, "DEVARCH_RUNTIME="+x.e.Kind())
	r := other.fails(1, "import", e2fWrite(t, dir, "devarch.yml", bad))
	if !strings.Contains(r.Stderr, "instances.web.compose") || !strings.Contains(r.Stderr, "mem_limit") {
		t.Errorf("import of an invalid fragment should name instances.web.compose:\n%s", r)
	}
	if ls := other.ok("stack", "ls"); strings.Contains(ls, s) {
		t.Errorf("a refused import stored the stack:\n%s", ls)
	}
}

// TestE2EApplyApplyLockTimeoutZeroFailsAtOnce: while an apply job holds the
// stack's lock, `apply --lock-timeout 0` (the default) fails at once: its
// plan does not wait the daemon's default plan lock timeout first.
func TestE2EApplyApplyLockTimeoutZeroFailsAtOnce(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := e2fStack(x, "lock", "gate=e2s-gated")
	p := x.savePlan(s)
	out := x.ok("apply", s, "--plan", p.ID, "--detach")
	m := regexp.MustCompile(`Started apply job ([0-9a-f]+) for stack`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("apply --detach printed no job ID:\n%s", out)
	}
	jobID := m[1]
	for _, args := range [][]string{
		{"apply", s, "--auto-approve", "--lock-timeout", "0"},
		{"apply", s, "--auto-approve"},
		{"destroy", s, "--auto-approve", "--lock-timeout", "0s"},
	} {
		start := time.Now()
		r := x.fails(1, args...)
		took := time.Since(start)
		if !strings.Contains(r.Stderr, fmt.Sprintf("stack %q is locked: apply (job %s)", s, jobID)) {
			t.Errorf("devarch %s should be refused naming job %s:\n%s", strings.Join(args, " "), jobID, r)
		}
		if took > 5*time.Second {
			t.Errorf("devarch %s took %s to be refused; want at once", strings.Join(args, " "), took.Round(time.Millisecond))
		}
	}
	// plan keeps its default wait, cut short here by --lock-timeout.
	start := time.Now()
	x.fails(1, "plan", s, "--lock-timeout", "1500ms")
	if took := time.Since(start); took < time.Second {
		t.Errorf("plan --lock-timeout 1500ms gave up after %s; want it to wait", took)
	}

	gated := core.ContainerName(s, "gate")
	waitFor(t, time.Minute, gated+" to run", func() bool {
		cs := x.containers(s)
		return len(cs) == 1 && cs[0].State == "running"
	})
	if _, err := x.runContainer("e2f-gate-"+s, "--network", "container:"+gated, testImage, "listen", "9999"); err != nil {
		t.Fatal(err)
	}
	if j := x.waitJob(jobID, 2*time.Minute); j.State != api.JobSucceeded {
		t.Fatalf("job %s ended %s: %s", jobID, j.State, j.Error)
	}
}
