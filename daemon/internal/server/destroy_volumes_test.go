package server

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// withVolume gives shop's db a named volume, devarch-shop_db-data once applied.
func withVolume(e *testEnv) {
	e.changeStack("shop", func(st *core.Stack) {
		for i := range st.Instances {
			if st.Instances[i].Name == "db" {
				st.Instances[i].Overrides.Volumes = &[]core.Volume{{Source: "db-data", Target: "/var/lib/tdb"}}
			}
		}
	})
}

// A plain destroy keeps the stack's named volumes (its data) and says so;
// destroy --purge removes them with the definition, also volumes the
// compose file no longer names and when a plain destroy ran first, and
// says which. Volumes of other projects stay.
func TestDestroyVolumes(t *testing.T) {
	const vol, stray, other = "devarch-shop_db-data", "devarch-shop_old-data", "devarch-shop-x_db-data"
	t.Run("plain destroy keeps them", func(t *testing.T) {
		e := newTestEnv(t)
		withVolume(e)
		if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
			t.Fatalf("apply: %+v", job)
		}
		if got := e.rt.volumeNames(); !slices.Equal(got, []string{vol}) {
			t.Fatalf("volumes after apply = %q", got)
		}
		e.rt.addVolume(stray)
		_, job := e.apply("shop", api.ApplyRequest{Destroy: true})
		if job.State != api.JobSucceeded {
			t.Fatalf("destroy: %+v", job)
		}
		if want := "Volumes kept: " + vol + ", " + stray + "; `destroy shop --purge` removes them"; !strings.Contains(job.Summary, want) {
			t.Errorf("summary %q lacks %q", job.Summary, want)
		}
		if downs := e.rt.downCalls(); len(downs) != 1 || downs[0].Volumes {
			t.Errorf("down calls = %+v; want one keeping volumes", downs)
		}
		if got := e.rt.volumeNames(); !slices.Equal(got, []string{vol, stray}) {
			t.Errorf("volumes after destroy = %q; want both kept", got)
		}

		// Purge afterwards: nothing runs, the volumes go with the definition.
		e.rt.addVolume(other)
		_, job = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
		if job.State != api.JobSucceeded {
			t.Fatalf("destroy --purge: %+v", job)
		}
		if want := `Stack "shop" removed, with its volumes ` + vol + ", " + stray + "."; !strings.Contains(job.Summary, want) {
			t.Errorf("summary %q lacks %q", job.Summary, want)
		}
		if got := e.rt.volumeNames(); !slices.Equal(got, []string{other}) {
			t.Errorf("volumes after purge = %q; want only %s", got, other)
		}
		if _, err := e.s.storedStack("shop"); err == nil {
			t.Error("stack still stored")
		}
	})

	t.Run("purge removes them", func(t *testing.T) {
		e := newTestEnv(t)
		withVolume(e)
		if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
			t.Fatalf("apply: %+v", job)
		}
		e.rt.addVolume(stray)
		e.rt.addVolume(other)
		_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
		if job.State != api.JobSucceeded {
			t.Fatalf("destroy --purge: %+v", job)
		}
		if want := `Destroy complete: 2 deleted. Stack "shop" removed, with its volumes ` + vol + ", " + stray + "."; job.Summary != want {
			t.Errorf("summary = %q; want %q", job.Summary, want)
		}
		if downs := e.rt.downCalls(); len(downs) != 1 || !downs[0].Volumes {
			t.Errorf("down calls = %+v; want one removing volumes", downs)
		}
		if got := e.rt.volumeNames(); !slices.Equal(got, []string{other}) {
			t.Errorf("volumes after purge = %q; want only %s", got, other)
		}
	})

	t.Run("a volume that cannot go keeps the definition", func(t *testing.T) {
		e := newTestEnv(t)
		if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
			t.Fatalf("apply: %+v", job)
		}
		e.rt.addVolume(stray) // not in the compose file: compose down --volumes leaves it
		e.rt.rmVolumesErr = errors.New("volume " + stray + " is in use")
		_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
		if job.State != api.JobFailed || !strings.Contains(job.Error, "is in use") || !strings.Contains(job.Error, "run `destroy shop --purge` again") {
			t.Fatalf("destroy --purge = %+v; want failed, naming the reason and the retry", job)
		}
		if _, err := e.s.storedStack("shop"); err != nil {
			t.Errorf("definition removed although its volumes remain: %v", err)
		}
		if _, ok := e.applied("shop"); ok {
			t.Error("snapshot kept although the containers are gone")
		}
		e.rt.rmVolumesErr = nil
		_, job = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
		if job.State != api.JobSucceeded || !strings.Contains(job.Summary, "with its volumes "+stray) {
			t.Errorf("purge again = %+v", job)
		}
	})
}

func TestKeptVolumesHintNamesTheRuntime(t *testing.T) {
	e := newTestEnv(t)
	fakes := kindRuntimes(e)
	podman := api.RuntimeSpec{Kind: runtime.KindPodman}
	if _, job := e.apply("shop", api.ApplyRequest{Runtime: podman}); job.State != api.JobSucceeded {
		t.Fatalf("apply on podman: %+v", job)
	}
	fakes[runtime.KindPodman].addVolume("devarch-shop_data")
	_, job := e.apply("shop", api.ApplyRequest{Runtime: podman, Destroy: true})
	if job.State != api.JobSucceeded || !strings.Contains(job.Summary, "`destroy shop --purge --runtime podman`") {
		t.Errorf("destroy on podman: %+v; want the purge hint to name podman", job)
	}
}

// In per-service mode each instance's project creates the volumes it
// mounts, named as in stack mode but labeled with the instance's project:
// a plain destroy lists them as kept (also one of an instance removed
// since), and destroy --purge removes and names them.
func TestDestroyPerServiceVolumes(t *testing.T) {
	const vol, gone, other = "devarch-shop_db-data", "devarch-shop_old-data", "devarch-shop-x_data"
	e := newTestEnv(t)
	withVolume(e)
	e.changeStack("shop", func(st *core.Stack) { st.ComposeMode = core.ComposeModePerService })
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	if got := e.rt.volumeNames(); !slices.Equal(got, []string{vol}) {
		t.Fatalf("volumes after apply = %q", got)
	}
	if got, _ := e.rt.Volumes(t.Context(), core.ProjectName("shop")); len(got) != 0 {
		t.Fatalf("the stack project lists %q; want the instance project's volume not to be its", got)
	}
	e.rt.addInstanceVolume(gone, "devarch-shop-old", "shop")
	e.rt.addInstanceVolume(other, "devarch-shop-x-db", "shop-x")

	_, job := e.apply("shop", api.ApplyRequest{Destroy: true})
	if job.State != api.JobSucceeded {
		t.Fatalf("destroy: %+v", job)
	}
	if want := "Volumes kept: " + vol + ", " + gone + "; `destroy shop --purge` removes them"; !strings.Contains(job.Summary, want) {
		t.Errorf("summary %q lacks %q", job.Summary, want)
	}
	if got := e.rt.volumeNames(); !slices.Equal(got, []string{other, vol, gone}) {
		t.Errorf("volumes after destroy = %q; want all kept", got)
	}

	// Apply again, then purge: the instance projects' volumes go, named.
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	_, job = e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true})
	if job.State != api.JobSucceeded {
		t.Fatalf("destroy --purge: %+v", job)
	}
	if want := `Stack "shop" removed, with its volumes ` + vol + ", " + gone + "."; !strings.Contains(job.Summary, want) {
		t.Errorf("summary %q lacks %q", job.Summary, want)
	}
	if got := e.rt.volumeNames(); !slices.Equal(got, []string{other}) {
		t.Errorf("volumes after purge = %q; want only %s", got, other)
	}
}
