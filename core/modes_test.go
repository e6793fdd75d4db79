package core

import (
	"strings"
	"testing"
)

func TestStackModes(t *testing.T) {
	tests := []struct {
		compose, endpoint string
		field, rule       string // "" means valid
		wantC, wantE      string // Desired's modes ("" is the default)
	}{
		{"", "", "", "", "", ""},
		{ComposeModeStack, EndpointDNSRR, "", "", "", ""},
		{ComposeModePerService, EndpointVIP, "", "", ComposeModePerService, EndpointVIP},
		{"per-instance", "", "stack.compose_mode", `"per-instance" is not a compose mode`, "", ""},
		{"", "VIP", "stack.endpoint_mode", `"VIP" is not an endpoint mode`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.compose+"/"+tc.endpoint, func(t *testing.T) {
			st := validStack()
			st.ComposeMode, st.EndpointMode = tc.compose, tc.endpoint
			err := ValidateStack(st, stackTemplates())
			if tc.field != "" {
				for _, fe := range AsFieldErrors(err) {
					if fe.Field == tc.field && strings.Contains(fe.Rule, tc.rule) {
						return
					}
				}
				t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.rule)
			}
			if err != nil {
				t.Fatal(err)
			}
			d, err := Build(st, stackTemplates())
			if err != nil {
				t.Fatal(err)
			}
			if d.ComposeMode != tc.wantC || d.EndpointMode != tc.wantE {
				t.Errorf("desired modes %q, %q; want %q, %q", d.ComposeMode, d.EndpointMode, tc.wantC, tc.wantE)
			}
		})
	}
}
