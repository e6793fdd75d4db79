package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// fakeDaemon answers status with body and counts shutdown requests, which
// must ask to stop only if idle.
func fakeDaemon(t *testing.T, status string) (home string, shutdowns *atomic.Int32) {
	t.Helper()
	return fakeDaemonRefusing(t, status, false)
}

// fakeDaemonRefusing is fakeDaemon answering every shutdown with a
// conflict, as a daemon does when a job started since its status was read.
func fakeDaemonRefusing(t *testing.T, status string, refuse bool) (home string, shutdowns *atomic.Int32) {
	t.Helper()
	shutdowns = new(atomic.Int32)
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/shutdown") {
			shutdowns.Add(1)
			var req api.ShutdownRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.IfIdle {
				t.Errorf("shutdown request %+v (%v); want if_idle", req, err)
			}
			if refuse {
				writeErr(w, http.StatusConflict, api.Error{Code: api.CodeConflict, Message: "the devarch daemon runs 1 job(s): j9 (apply of shop)"})
				return
			}
			w.Write([]byte(`{}`))
			return
		}
		w.Write([]byte(status))
	}))
	return filepath.Dir(c.Socket()), shutdowns
}

func TestEnsureDaemonBuildSameBuildUsed(t *testing.T) {
	home, shutdowns := fakeDaemon(t, `{"pid":1,"version":"x","build_id":"b1","running_jobs":2}`)
	var notice bytes.Buffer
	if err := EnsureDaemonBuild(context.Background(), home, "/nonexistent/devarch", "b1", &notice); err != nil {
		t.Fatalf("a daemon of the same build should be used as it is: %v", err)
	}
	if shutdowns.Load() != 0 || notice.Len() != 0 {
		t.Errorf("same build: %d shutdowns, notice %q; want none", shutdowns.Load(), notice.String())
	}
}

// A daemon of another build (or of one older than build ids) that runs
// jobs is left alone: the error names both builds and the jobs, and the
// hint says how to restart it.
func TestEnsureDaemonBuildRefusesBusyDaemon(t *testing.T) {
	for _, tt := range []struct{ name, status, want string }{
		{"other build", `{"pid":1,"build_id":"old1","running_jobs":1}`, "daemon old1, CLI new2"},
		{"no build id", `{"pid":1,"running_jobs":3}`, "without a build id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home, shutdowns := fakeDaemon(t, tt.status)
			var notice bytes.Buffer
			err := EnsureDaemonBuild(context.Background(), home, "/nonexistent/devarch", "new2", &notice)
			var be *BuildMismatchError
			if !errors.As(err, &be) {
				t.Fatalf("EnsureDaemonBuild = %v; want *BuildMismatchError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "running job") {
				t.Errorf("error %q lacks %q and the running jobs", err, tt.want)
			}
			for _, want := range []string{"devarch jobs", "devarch daemon stop"} {
				if !strings.Contains(be.Hint(), want) {
					t.Errorf("hint %q lacks %q", be.Hint(), want)
				}
			}
			if shutdowns.Load() != 0 {
				t.Errorf("a busy daemon was asked to shut down")
			}
		})
	}
}

// An idle daemon of another build is stopped, with a notice on stderr,
// and the CLI's own daemon started.
func TestEnsureDaemonBuildRestartsIdleDaemon(t *testing.T) {
	home, shutdowns := fakeDaemon(t, `{"pid":0,"build_id":"old1","running_jobs":0}`)
	var notice bytes.Buffer
	// The fake keeps answering after its shutdown, so the daemon started
	// in its place is never needed: EnsureDaemon finds one answering.
	if err := EnsureDaemonBuild(context.Background(), home, "/nonexistent/devarch", "new2", &notice); err != nil {
		t.Fatalf("EnsureDaemonBuild = %v", err)
	}
	if shutdowns.Load() != 1 {
		t.Errorf("shutdowns = %d; want 1", shutdowns.Load())
	}
	if got := notice.String(); !strings.Contains(got, "restarting the daemon") || !strings.Contains(got, "old1") || !strings.Contains(got, "new2") {
		t.Errorf("notice = %q; want it to say the daemon is restarted, from old1 to new2", got)
	}
}

// A job that starts between the status and the shutdown is not cancelled:
// the daemon refuses the if_idle shutdown and the CLI reports the busy
// daemon, without announcing a restart.
func TestEnsureDaemonBuildJobStartedBeforeShutdown(t *testing.T) {
	home, shutdowns := fakeDaemonRefusing(t, `{"pid":0,"build_id":"old1","running_jobs":0}`, true)
	var notice bytes.Buffer
	err := EnsureDaemonBuild(context.Background(), home, "/nonexistent/devarch", "new2", &notice)
	var be *BuildMismatchError
	if !errors.As(err, &be) {
		t.Fatalf("EnsureDaemonBuild = %v; want *BuildMismatchError", err)
	}
	if be.RunningJobs < 1 || !strings.Contains(err.Error(), "running job") {
		t.Errorf("error %q (running %d); want it to name the running jobs", err, be.RunningJobs)
	}
	if shutdowns.Load() != 1 {
		t.Errorf("shutdowns = %d; want 1 (refused)", shutdowns.Load())
	}
	if notice.Len() != 0 {
		t.Errorf("notice %q; want none: nothing was restarted", notice.String())
	}
}
