//go:build e2e

package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

// TestE2STargetedApply changes two instances and applies one of them with
// --target: only its container is recreated, the plan said what it left
// out, and the next plan still has the other change.
func TestE2STargetedApply(t *testing.T) {
	t.Parallel()
	x := newE2S(t)
	s := x.stack("target", "web=e2s-web", "api=e2s-web")
	x.apply(s)
	before := x.containerIDs(s)
	web, api := core.ContainerName(s, "web"), core.ContainerName(s, "api")
	if before[web] == "" || before[api] == "" {
		t.Fatalf("after the first apply the stack runs %v; want web and api", before)
	}
	x.ok("instance", "set", s, "web", "--env", "MARKER=v2")
	x.ok("instance", "set", s, "api", "--env", "MARKER=v2")

	var p plan.View
	x.json(&p, "plan", s, "--target", "web", "--json")
	if len(p.Changes) != 1 || p.Changes[0].Instance != "web" || len(p.LeftOut) != 1 || p.LeftOut[0].Instance != "api" {
		t.Fatalf("targeted plan: changes %+v, left out %+v; want web changed, api left out", p.Changes, p.LeftOut)
	}
	out := x.ok("apply", s, "--target", "web", "--auto-approve")
	for _, want := range []string{"Targeted to web", "left out (update api)", "1 pending change(s) left out"} {
		if !strings.Contains(out, want) {
			t.Errorf("targeted apply should say %q:\n%s", want, out)
		}
	}
	after := x.containerIDs(s)
	if after[web] == before[web] || after[web] == "" {
		t.Errorf("the targeted container %s was not recreated (%s → %s)", web, before[web], after[web])
	}
	if after[api] != before[api] {
		t.Errorf("the container left out %s changed: %s → %s", api, before[api], after[api])
	}
	var again plan.View
	x.json(&again, "plan", s, "--json")
	if got := fmt.Sprint(again.Changes); len(again.Changes) != 1 || again.Changes[0].Instance != "api" {
		t.Errorf("after the targeted apply, plan = %s; want api's update alone", got)
	}
}
