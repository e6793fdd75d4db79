package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// TestJobTextKeepsDevarchWords gives the stack secrets equal to its name
// and to words of devarch's own messages ("compose", "removed"): the job's
// messages and summary stay whole, while the runtime output and errors
// they quote are scrubbed, in the JSON-escaped and base64 forms too.
func TestJobTextKeepsDevarchWords(t *testing.T) {
	e := newTestEnv(t)
	const quoted = `Sec"Quote<x-91`
	e.changeStack("shop", func(st *core.Stack) {
		st.Instances[0].Overrides.Env = map[string]core.EnvVar{
			"WORD":   {Value: "compose", Secret: true},
			"GONE":   {Value: "removed", Secret: true},
			"NAME":   {Value: "shop", Secret: true},
			"QUOTED": {Value: quoted, Secret: true},
		}
	})
	jsonQuoted, _ := json.Marshal(quoted)
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		progress(`config {"token":` + string(jsonQuoted) + `}`)
		progress("auth " + base64.StdEncoding.EncodeToString([]byte(dbPassword)))
		progress("password compose rejected")
		return nil
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	events := e.eventsText(job.ID)
	for _, want := range []string{"compose up devarch-shop", "create devarch-shop-api", "password [REDACTED] rejected", `config {\"token\":\"[REDACTED]\"}`} {
		if !strings.Contains(events, want) {
			t.Errorf("events lack %q:\n%s", want, events)
		}
	}
	for _, leaked := range []string{string(jsonQuoted[1 : len(jsonQuoted)-1]), base64.StdEncoding.EncodeToString([]byte(dbPassword)), "password compose"} {
		if strings.Contains(events, leaked) {
			t.Errorf("events show %q:\n%s", leaked, events)
		}
	}
	assertNoSecrets(t, "events", events)

	_, job = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	if job.State != api.JobSucceeded {
		t.Fatalf("destroy --purge: %+v", job)
	}
	if !strings.Contains(job.Summary, `Stack "shop" removed`) {
		t.Errorf("summary = %q, want the stack's name and devarch's words whole", job.Summary)
	}
	if events := e.eventsText(job.ID); !strings.Contains(events, "compose down --volumes devarch-shop") {
		t.Errorf("destroy events garbled:\n%s", events)
	}
}

// TestJobRuntimeErrorsScrubbed checks that a runtime failure quoted in a
// job's error is scrubbed while devarch's words around it stay.
func TestJobRuntimeErrorsScrubbed(t *testing.T) {
	e := newTestEnv(t)
	e.rt.upHook = func(ctx context.Context, n int, progress func(string)) error {
		return &runtime.ComposeError{Op: "up", Instance: "db", Reason: "bad env DB_PASSWORD=" + dbPassword}
	}
	_, job := e.apply("shop", api.ApplyRequest{})
	if job.State != api.JobFailed {
		t.Fatalf("job = %+v, want failed", job)
	}
	if job.Error != "instance db: bad env DB_PASSWORD=[REDACTED]" {
		t.Errorf("job error = %q", job.Error)
	}
	assertNoSecrets(t, "events", e.eventsText(job.ID))
}
