package server

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func TestDestroy(t *testing.T) {
	for _, purge := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep definition", true: "purge"}[purge], func(t *testing.T) {
			e := newTestEnv(t)
			if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
				t.Fatalf("apply: %+v", job)
			}
			p, _ := e.plan("shop", api.PlanRequest{Destroy: true})
			if len(p.Changes) != 2 {
				t.Errorf("destroy plan changes = %+v", p.Changes)
			}
			_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: purge})
			if job.State != api.JobSucceeded || job.Operation != "destroy" {
				t.Fatalf("destroy = %+v", job)
			}
			downs := e.rt.downCalls()
			if len(downs) != 1 || downs[0].Project != "devarch-shop" || !strings.Contains(downs[0].YAML, "devarch-shop-api") {
				t.Errorf("down calls = %+v", downs)
			}
			if cs, _ := e.rt.Containers(context.Background(), "shop"); len(cs) != 0 {
				t.Errorf("containers left: %v", cs)
			}
			if _, ok := e.applied("shop"); ok {
				t.Error("applied snapshot kept after destroy")
			}
			if _, err := os.Stat(e.s.filesDir("shop")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("config files kept: %v", err)
			}
			_, err := e.s.storedStack("shop")
			if purge != store.IsNotFound(err) {
				t.Errorf("purge=%v but stack lookup gave %v", purge, err)
			}

			// Destroying again changes nothing and calls no runtime.
			if !purge {
				_, again := e.apply("shop", api.ApplyRequest{Destroy: true})
				if again.Summary != "No changes." {
					t.Errorf("second destroy = %+v", again)
				}
				if _, d := e.rt.counts(); d != 1 {
					t.Errorf("second destroy called down")
				}
			}
		})
	}
}

func TestEmptyDestroyWithPurgeRemovesDefinition(t *testing.T) {
	e := newTestEnv(t)
	_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	if want := `Destroy complete: 0 deleted. Stack "shop" removed; it had no volumes.`; job.Summary != want {
		t.Fatalf("job = %+v; want summary %q", job, want)
	}
	if _, err := e.s.storedStack("shop"); !store.IsNotFound(err) {
		t.Errorf("stack still stored: %v", err)
	}
	if u, d := e.rt.counts(); u+d != 0 {
		t.Errorf("runtime called: %d up, %d down", u, d)
	}
}
