//go:build e2e

package tests

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestE2SJoinOtherStack opts one stack into another's network: only then do
// its containers resolve the other stack's, and leaving reverses it.
func TestE2SJoinOtherStack(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	infra := x.stack("infra", "db=e2s-web")
	app := x.stack("app", "web=e2s-web")
	x.applyAll(infra, app)
	web, db := core.ContainerName(app, "web"), core.ContainerName(infra, "db")
	if x.resolves(web, db) {
		t.Fatalf("%s resolves %s before joining its network", web, db)
	}

	x.ok("stack", "set", app, "--join", infra)
	if out := x.ok("plan", app); !strings.Contains(out, "devarch-"+app+"-web") {
		t.Errorf("joining a network should plan a change to the stack's containers:\n%s", out)
	}
	x.apply(app)
	if !x.resolves(web, db) {
		t.Errorf("%s does not resolve %s after joining %s's network", web, db, infra)
	}
	if !x.resolves(web, core.ContainerName(app, "web")) {
		t.Errorf("%s no longer resolves its own stack", web)
	}

	x.ok("stack", "set", app, "--no-join")
	x.apply(app)
	if x.resolves(web, db) {
		t.Errorf("%s still resolves %s after leaving its network", web, db)
	}
	if r := x.run("plan", infra, "--detailed-exitcode"); r.Code != 0 {
		t.Errorf("the joined stack must be left as it was: %s", r)
	}
}
