package plan

import (
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestComputeShowsDomains checks a new instance's domains are listed on its
// create, and a change of domains is an update listing old and new.
func TestComputeShowsDomains(t *testing.T) {
	web := with(svc("web", "docker.io/acme/web:1"), func(s *core.WiredService) { s.Domains = []string{"shop.test", "api.shop.test"} })
	plain := svc("web", "docker.io/acme/web:1")
	for _, tc := range []struct {
		name   string
		in     Input
		action Action
		want   []FieldChange
	}{
		{"create lists them", Input{Desired: desired(1, web)}, Create,
			[]FieldChange{{Field: "domains", New: "shop.test, api.shop.test"}}},
		{"create without domains lists nothing", Input{Desired: desired(1, plain)}, Create, nil},
		{"added to an applied instance", Input{Desired: desired(2, web), Applied: ptr(desired(1, plain)),
			Live: []LiveContainer{running("web", web.Image)}}, Update,
			[]FieldChange{{Field: "domains", New: "shop.test, api.shop.test"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Compute(tc.in)
			if len(p.Changes) != 1 || p.Changes[0].Action != tc.action {
				t.Fatalf("changes = %+v, want one %s", p.Changes, tc.action)
			}
			if !slices.Equal(p.Changes[0].Fields, tc.want) {
				t.Errorf("fields = %+v, want %+v", p.Changes[0].Fields, tc.want)
			}
		})
	}
}
