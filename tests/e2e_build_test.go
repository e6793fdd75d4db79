//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

// TestE2EBuildFromSource: an instance that builds its image from a real
// Dockerfile (FROM scratch plus the test program) is built by apply; an
// ignored file changes nothing; an edited context file is a rebuild that
// apply recreates the container with; an image re-tagged under the
// instance's name is a replace.
func TestE2EBuildFromSource(t *testing.T) {
	x := newE2S(t)
	s := x.stack("build", "db=e2e-db")
	dir := t.TempDir()
	if err := buildTestprog(x.ctx(), filepath.Join(dir, "testprog")); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\nCOPY testprog /testprog\nCOPY version.txt /version.txt\nENTRYPOINT [\"/testprog\"]\nCMD [\"serve\"]\n")
	write("version.txt", "v1\n")
	write(".dockerignore", "notes.txt\n")
	x.ok("instance", "set", s, "db", "--build-context", dir)

	image := core.DefaultBuildImage(s, "db")
	out := x.apply(s)
	if !strings.Contains(out, "build devarch-"+s+"-db") {
		t.Errorf("apply output lacks the build:\n%s", out)
	}
	id1 := x.imageID(image)
	x.wantRunning(s, "db", id1)
	if r := x.run("plan", s, "--detailed-exitcode"); r.Code != 0 {
		t.Fatalf("plan after apply should be empty: %s", r)
	}
	write("notes.txt", "ignored by .dockerignore")
	if r := x.run("plan", s, "--detailed-exitcode"); r.Code != 0 {
		t.Fatalf("an ignored file should change nothing: %s", r)
	}

	write("version.txt", "v2\n")
	r := x.run("plan", s)
	if want := "± rebuild devarch-" + s + "-db (build context changed: 1 file)"; r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("plan after an edit: want %q in %s", want, r)
	}
	x.apply(s)
	id2 := x.imageID(image)
	if id2 == id1 {
		t.Fatalf("image %s still %s after the rebuild", image, id1)
	}
	x.wantRunning(s, "db", id2)

	if err := x.e.TagImage(x.ctx(), id1, image); err != nil {
		t.Fatal(err)
	}
	r = x.run("plan", s)
	want := "± replace devarch-" + s + "-db (image updated: " + plan.ShortImageID(id2) + " → " + plan.ShortImageID(id1) + ")"
	if r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("plan after a re-tag: want %q in %s", want, r)
	}
	x.apply(s)
	x.wantRunning(s, "db", id1)

	x.ok("destroy", s, "--auto-approve")
	x.e.RemoveImage(x.ctx(), image, id1, id2) // best effort: the images this test built
}

// TestE2EPullBounded: a pull from a registry that never answers is an
// error naming the image within the pull's bound.
func TestE2EPullBounded(t *testing.T) {
	x := newE2S(t)
	s := x.stack("pull", "db=e2e-db")
	image := "10.255.255.1:5000/devarch/never:1"
	x.ok("instance", "set", s, "db", "--image", image)
	start := time.Now()
	r := x.run("pull", s, "--timeout", "3s")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, image) {
		t.Fatalf("pull from an unreachable registry: want an error naming %s: %s", image, r)
	}
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("pull took %s; want it bounded", d)
	}
}

// imageID is the local ID of image; the test fails without one.
func (x *e2s) imageID(image string) string {
	x.t.Helper()
	ids, err := x.e.ImageIDs(x.ctx(), []string{image})
	if err != nil || ids[image] == "" {
		x.t.Fatalf("image %s: %v (ids %v)", image, err, ids)
	}
	return ids[image]
}

// wantRunning fails unless inst of stack runs, created from image id.
func (x *e2s) wantRunning(stack, inst, id string) {
	x.t.Helper()
	for _, c := range x.containers(stack) {
		if c.Instance() == inst {
			if c.State != "running" || c.ImageID != id {
				x.t.Fatalf("container %s: state %s, image %s; want running from %s", c.Name, c.State, c.ImageID, id)
			}
			return
		}
	}
	x.t.Fatalf("no container of instance %s", inst)
}
