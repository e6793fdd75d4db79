package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// destroy --purge removes the images devarch built for the stack (the
// default build name, or a build's own image) and names them; an image an
// instance runs prebuilt stays. Plain destroy keeps them all, and a
// failed removal keeps the purge done and names what stayed.
func TestDestroyPurgeRemovesBuiltImages(t *testing.T) {
	for _, tc := range []struct {
		name        string
		purge       bool
		explicit    string // build.image of api; "" for the default name
		rmErr       error
		wantGone    bool
		wantSummary string
	}{
		{"purge default name", true, "", nil, true, "Images it built removed: devarch-shop-api:latest."},
		{"purge explicit image", true, "acme/api:dev", nil, true, "Images it built removed: acme/api:dev."},
		{"plain destroy", false, "", nil, false, ""},
		{"removal fails", true, "", errors.New("image is being used by a container"), false,
			"Images it built kept: devarch-shop-api:latest: image is being used by a container"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := buildEnv(t)
			built := core.DefaultBuildImage("shop", "api")
			if tc.explicit != "" {
				built = tc.explicit
				e.changeStack("shop", func(st *core.Stack) { st.Instances[0].Overrides.Build.Image = tc.explicit })
			}
			if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
				t.Fatalf("apply: %+v", job)
			}
			if ids, _ := e.rt.ImageIDs(t.Context(), []string{built}); ids[built] == "" {
				t.Fatalf("apply built no image %s", built)
			}
			e.rt.mu.Lock()
			e.rt.rmImagesErr = tc.rmErr
			e.rt.mu.Unlock()
			_, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: tc.purge})
			if job.State != api.JobSucceeded {
				t.Fatalf("destroy: %+v", job)
			}
			ids, _ := e.rt.ImageIDs(t.Context(), []string{built, "docker.io/library/tdb:1"})
			if gone := ids[built] == ""; gone != tc.wantGone {
				t.Errorf("image %s gone = %v, want %v", built, gone, tc.wantGone)
			}
			if ids["docker.io/library/tdb:1"] == "" {
				t.Error("the prebuilt image db runs was removed")
			}
			if tc.wantSummary != "" && !strings.Contains(job.Summary, tc.wantSummary) {
				t.Errorf("summary %q lacks %q", job.Summary, tc.wantSummary)
			}
			if !tc.purge && strings.Contains(job.Summary, "Images") {
				t.Errorf("plain destroy summary names images: %q", job.Summary)
			}
		})
	}
}
