package plan

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestComputeRebuildAndImages: builds are compared by the digests given
// as input, and every applied instance's image by the ID its tag resolves
// to now against the one the snapshot recorded.
func TestComputeRebuildAndImages(t *testing.T) {
	api := svc("api", "devarch-shop-api:latest")
	api.Build = &core.ImageBuild{Context: "/src/api", Image: api.Image}
	db := svc("db", "docker.io/library/postgres:16")
	applied := desired(1, api, db)
	live := []LiveContainer{running("api", api.Image), running("db", db.Image)}
	v1 := core.BuildDigest{Sum: "sha256:1", Files: map[string]string{"Dockerfile": "a", "app": "b", "x": "c", "gone": "d"}}
	v2 := core.BuildDigest{Sum: "sha256:2", Files: map[string]string{"Dockerfile": "a", "app": "B", "x": "C", "new": "e"}}
	argsOnly := core.BuildDigest{Sum: "sha256:3", Files: v1.Files}
	images := map[string]string{"api": "sha256:aaaa1111", "db": "sha256:dddd1111"}
	base := func() Input {
		return Input{Desired: desired(2, api, db), Applied: &applied, Live: live,
			Builds: map[string]core.BuildDigest{"api": v1}, AppliedBuilds: map[string]core.BuildDigest{"api": v1},
			Images: images, AppliedImages: images}
	}
	cases := []struct {
		name    string
		edit    func(in *Input)
		inst    string
		action  Action
		rebuild bool
		reason  string
	}{
		{"unchanged inputs build nothing", func(in *Input) {}, "", NoOp, false, ""},
		{"context changed", func(in *Input) { in.Builds = map[string]core.BuildDigest{"api": v2} }, "api", Replace, true, "build context changed: 4 files"},
		{"only args changed", func(in *Input) { in.Builds = map[string]core.BuildDigest{"api": argsOnly} }, "api", Replace, true, "build changed"},
		{"old snapshot without digests", func(in *Input) { in.AppliedBuilds = nil }, "api", Replace, true, ReasonBuildUnknown},
		{"apply --build", func(in *Input) { in.ForceBuild = true }, "api", Replace, true, ReasonBuildForced},
		{"built image gone", func(in *Input) { in.Images = map[string]string{"db": images["db"]} }, "api", Replace, true, ReasonBuildMissing},
		{"image re-tagged", func(in *Input) {
			in.Images = map[string]string{"api": images["api"], "db": "sha256:9c1e2222"}
		}, "db", Replace, false, "image updated: sha256:dddd… → sha256:9c1e…"},
		{"built image moved without input change", func(in *Input) {
			in.Images = map[string]string{"api": "sha256:bbbb2222", "db": images["db"]}
		}, "api", Replace, false, "image updated: sha256:aaaa… → sha256:bbbb…"},
		{"no recorded image ID: unknown, no change", func(in *Input) {
			in.AppliedImages = nil
		}, "", NoOp, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.edit(&in)
			p := Compute(in)
			if tc.action == NoOp {
				if len(p.Changes) != 0 {
					t.Fatalf("changes = %+v; want none", p.Changes)
				}
				return
			}
			if len(p.Changes) != 1 {
				t.Fatalf("changes = %+v; want one for %s", p.Changes, tc.inst)
			}
			c := p.Changes[0]
			if c.Instance != tc.inst || c.Action != tc.action || c.Rebuild != tc.rebuild || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("change = %+v; want %s %s rebuild=%v reason %q", c, tc.action, tc.inst, tc.rebuild, tc.reason)
			}
			if tc.rebuild && c.Word() != "rebuild" {
				t.Errorf("word = %q; want rebuild", c.Word())
			}
			// The view's JSON keeps the rebuild flag.
			var back View
			if err := back.UnmarshalJSON(mustJSON(t, Redact(p))); err != nil || back.Changes[0].Rebuild != tc.rebuild {
				t.Errorf("round trip: %+v (%v)", back.Changes, err)
			}
		})
	}
	t.Run("a new instance that builds is built first", func(t *testing.T) {
		p := Compute(Input{Desired: desired(1, api), Builds: map[string]core.BuildDigest{"api": v1}})
		if len(p.Changes) != 1 || p.Changes[0].Action != Create || !p.Changes[0].Rebuild {
			t.Errorf("changes = %+v", p.Changes)
		}
	})
	t.Run("a moved input makes a saved plan stale", func(t *testing.T) {
		in := base()
		saved := Compute(in)
		in.Builds = map[string]core.BuildDigest{"api": v2}
		if err := Staleness(saved, in, saved.CreatedAt); err == nil || !strings.Contains(err.Error(), "build context or a local image") {
			t.Errorf("staleness = %v", err)
		}
	})
}

func mustJSON(t *testing.T, v View) []byte {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
