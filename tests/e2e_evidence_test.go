//go:build e2e

package tests

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestE2SFailedApplyKeepsEvidence applies a stack whose one container
// never turns healthy: the apply fails and prints, before the container
// is removed, its last log lines and its healthcheck runs. With
// --keep-failed the container is still there afterwards, and the output
// says how to clean up; destroy removes it.
func TestE2SFailedApplyKeepsEvidence(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	x.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "e2e", "e2s-sick.yml"))
	for _, keep := range []bool{false, true} {
		name := "removed"
		if keep {
			name = "kept"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			x := x.sub(t)
			s := x.stack("evidence-"+name, "sick=e2s-sick")
			args := []string{"apply", s, "--auto-approve"}
			if keep {
				args = append(args, "--keep-failed")
			}
			r := x.fails(1, args...)
			for _, want := range []string{
				"sick: last 1 log lines of container devarch-" + s + "-sick:",
				"sick:   | serving on :8471",
				"healthcheck runs of container devarch-" + s + "-sick:",
				"sick:   | health: http://127.0.0.1:8471/evidence-marker-hc answered 404 Not Found",
			} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("apply output lacks %q:\n%s", want, r)
				}
			}
			if !strings.Contains(r.Stderr, "container devarch-"+s+"-sick is unhealthy") {
				t.Errorf("apply error does not name the unhealthy container:\n%s", r)
			}
			hint := "`devarch destroy " + s + "`"
			if strings.Contains(r.Stdout, hint) != keep {
				t.Errorf("cleanup hint %q shown = %v, want %v:\n%s", hint, !keep, keep, r)
			}
			cs := x.containers(s)
			if !keep {
				if len(cs) != 0 {
					t.Errorf("the failed apply left %+v", cs)
				}
				return
			}
			// The failed container itself, still running unhealthy: not
			// one recreated in its place (that one would be created only).
			if len(cs) != 1 || cs[0].Instance() != "sick" || cs[0].State != "running" || cs[0].Health != "unhealthy" {
				t.Fatalf("with --keep-failed the stack has %+v; want the failed sick container running unhealthy", cs)
			}
			x.ok("destroy", s, "--auto-approve")
			if cs := x.containers(s); len(cs) != 0 {
				t.Errorf("destroy left %+v", cs)
			}
		})
	}
}
