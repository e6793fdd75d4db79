//go:build e2e

package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestE2EConfigFileFollowsSource sets a config file from a local file and
// edits only the local file: plan names the changed file, apply mounts the
// new content, and a saved plan applies the content it was made with even
// after the file changed again.
func TestE2EConfigFileFollowsSource(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	const target = "/etc/e2fs/app.conf"
	f := e2fFileApplied(t, x, "follow", target)
	s, web, dir, local, cat := f.stack, f.web, f.dir, f.local, f.cat

	// Only the local file is edited: no instance set.
	e2fWrite(t, dir, "app.conf", "greeting=v2\n")
	out := x.ok("plan", s)
	if want := "~ update  " + web + " (file " + target + " changed)"; !strings.Contains(out, want) {
		t.Errorf("plan after editing the source lacks %q:\n%s", want, out)
	}
	if out := x.apply(s); !strings.Contains(out, "Apply complete: 0 created, 1 updated") {
		t.Errorf("apply of the edited source:\n%s", out)
	}
	if got := cat(); got != "greeting=v2\n" {
		t.Errorf("after apply the container reads %q; want the edited content", got)
	}
	x.fails(0, "plan", s, "--detailed-exitcode")

	// A saved plan applies the content it read, not a later edit.
	e2fWrite(t, dir, "app.conf", "greeting=v3\n")
	out = x.ok("plan", s, "--save")
	m := regexp.MustCompile(`--plan ([0-9a-f]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("plan --save printed no plan id:\n%s", out)
	}
	e2fWrite(t, dir, "app.conf", "greeting=v4\n")
	x.ok("apply", s, "--plan", m[1], "--auto-approve")
	if got := cat(); got != "greeting=v3\n" {
		t.Errorf("after apply --plan the container reads %q; want the content the plan read (v3)", got)
	}

	// A missing source fails the plan, naming it; nothing is applied.
	if err := os.Remove(local); err != nil {
		t.Fatal(err)
	}
	r := x.fails(1, "apply", s, "--auto-approve")
	if !strings.Contains(r.Stderr, local) || !strings.Contains(r.Stderr, "instance web") {
		t.Errorf("apply with a missing source: %s", r)
	}
	if got := cat(); got != "greeting=v3\n" {
		t.Errorf("a refused apply changed the container's file: %q", got)
	}
}
