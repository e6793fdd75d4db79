package runtime

import (
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestStatusHealth(t *testing.T) {
	for _, tc := range []struct{ status, want string }{
		{"Up 2 seconds (health: starting)", "starting"},
		{"Up 5 minutes (healthy)", "healthy"},
		{"Up About a minute (unhealthy)", "unhealthy"},
		{"Up 3 hours", ""},
		{"Up 3 hours (Paused)", ""},
		{"Exited (1) 2 seconds ago", ""},
		{"Created", ""},
		{"", ""},
	} {
		t.Run(tc.status, func(t *testing.T) {
			if got := statusHealth(tc.status); got != tc.want {
				t.Errorf("statusHealth(%q) = %q, want %q", tc.status, got, tc.want)
			}
		})
	}
}

func TestParseStates(t *testing.T) {
	out := "bbb\tdevarch-s-db\trunning\tUp 4 seconds (healthy)\tdb\tsha256:0123abcd\n" +
		"aaa\tdevarch-s-api,other/alias\texited\tExited (2) 1 second ago\tapi\t\n" +
		"\n" +
		"malformed line\n"
	cs := parseStates(out, "s")
	if len(cs) != 2 {
		t.Fatalf("parseStates: %d containers, want 2: %+v", len(cs), cs)
	}
	for i, want := range []Container{
		{ID: "aaa", Name: "devarch-s-api", State: "exited", Health: ""},
		{ID: "bbb", Name: "devarch-s-db", State: "running", Health: "healthy", ImageID: "sha256:0123abcd"},
	} {
		got := cs[i]
		if got.ID != want.ID || got.Name != want.Name || got.State != want.State || got.Health != want.Health || got.ImageID != want.ImageID {
			t.Errorf("container %d = %+v, want %+v", i, got, want)
		}
		if !got.Managed() || got.Labels[core.LabelStack] != "s" {
			t.Errorf("container %d labels = %v, want managed and stack s", i, got.Labels)
		}
	}
	if cs[0].Instance() != "api" || cs[1].Instance() != "db" {
		t.Errorf("instances = %q, %q, want api, db", cs[0].Instance(), cs[1].Instance())
	}
}
