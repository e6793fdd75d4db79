package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanShowsPrivilegesAndApplyNeedsConsent gives an instance a compose
// fragment that makes it privileged, shares the host's pid namespace, adds
// every capability and binds the host's root: plan lists them under the
// change and in the summary, and apply refuses them without
// --allow-privileged, even with --auto-approve.
func TestPlanShowsPrivilegesAndApplyNeedsConsent(t *testing.T) {
	h := newHome(t)
	fakeDocker(t, h)
	h.ok("stack", "create", "ops")
	h.ok("instance", "add", "ops", "agent", "--template", "redis")
	h.ok("instance", "add", "ops", "plain", "--template", "redis")
	frag := filepath.Join(t.TempDir(), "frag.yml")
	if err := os.WriteFile(frag, []byte("privileged: true\npid: host\ncap_add: [ALL]\nvolumes: [\"/:/host:ro\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("instance", "set", "ops", "agent", "--compose-file", frag)

	out := h.ok("plan", "ops", "--runtime", "docker")
	for _, want := range []string{
		"! grants: privileged, pid host, cap_add ALL, bind /\n",
		"! 1 change grants privileges",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "grants:") != 1 {
		t.Errorf("plan lists grants for an instance that has none:\n%s", out)
	}

	r := h.fails(1, "apply", "ops", "--runtime", "docker", "--auto-approve")
	for _, want := range []string{"agent: privileged", "agent: bind /", "--allow-privileged"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("apply without consent: stderr lacks %q:\n%s", want, r)
		}
	}
	var jobs []struct{ ID string }
	h.json(&jobs, "jobs")
	if len(jobs) != 0 {
		t.Errorf("apply without consent started jobs: %+v", jobs)
	}
}

// TestComposeFragmentReachingOutsideTheStackIsRefused: volumes_from a
// container of another stack is refused with the field and the rule, and
// nothing is stored.
func TestComposeFragmentReachingOutsideTheStackIsRefused(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "app")
	h.ok("instance", "add", "app", "web", "--template", "redis")
	before := h.ok("instance", "show", "app", "web", "--json")
	frag := filepath.Join(t.TempDir(), "frag.yml")
	if err := os.WriteFile(frag, []byte("volumes_from: [\"container:devarch-other-db\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.fails(1, "instance", "set", "app", "web", "--compose-file", frag)
	if !strings.Contains(r.Stderr, "volumes_from[0]") || !strings.Contains(r.Stderr, `names container "devarch-other-db", which is not an instance of stack app`) {
		t.Errorf("refusal does not name the field and rule:\n%s", r)
	}
	if after := h.ok("instance", "show", "app", "web", "--json"); after != before {
		t.Errorf("a refused fragment changed the instance:\nbefore %s\nafter %s", before, after)
	}
}
