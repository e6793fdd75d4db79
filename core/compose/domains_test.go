package compose

import (
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestDomainsAreAliases checks each domain of an instance becomes a network
// alias of its service on the stack's network, after its instance name, and
// is listed in the devarch.domains label; an instance without domains has
// neither.
func TestDomainsAreAliases(t *testing.T) {
	st := shopStack("shop")
	for i := range st.Instances {
		if st.Instances[i].Name == "api" {
			st.Instances[i].Overrides.Domains = &[]string{"api.shop.test", "shop.test"}
		}
	}
	p, err := Project(build(t, st), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		service     string
		wantAliases []string
		wantLabel   string
	}{
		{"api", []string{"api", "api.shop.test", "shop.test"}, "api.shop.test,shop.test"},
		{"db", []string{"db"}, ""},
	} {
		t.Run(tc.service, func(t *testing.T) {
			svc := p.Services[tc.service]
			nc := svc.Networks[core.NetworkName("shop")]
			if nc == nil || !slices.Equal(nc.Aliases, tc.wantAliases) {
				t.Errorf("aliases = %v, want %v", nc, tc.wantAliases)
			}
			if got, ok := svc.Labels[core.LabelDomains]; got != tc.wantLabel || ok != (tc.wantLabel != "") {
				t.Errorf("label %s = %q (set %v), want %q", core.LabelDomains, got, ok, tc.wantLabel)
			}
		})
	}
}
