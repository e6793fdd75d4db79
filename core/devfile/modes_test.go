package devfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestModesRoundTrip(t *testing.T) {
	tests := []struct {
		name                  string
		compose, endpoint     string
		wantLines, wantAbsent []string
	}{
		{"defaults stored empty", "", "", nil, []string{"compose_mode", "endpoint_mode"}},
		{"defaults stored by name", core.ComposeModeStack, core.EndpointDNSRR, nil, []string{"compose_mode", "endpoint_mode"}},
		{"per-service and vip", core.ComposeModePerService, core.EndpointVIP,
			[]string{"  compose_mode: per-service\n", "  endpoint_mode: vip\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, tpls := shopStack()
			st.ComposeMode, st.EndpointMode = tc.compose, tc.endpoint
			out, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tc.wantLines {
				if !strings.Contains(string(out), l) {
					t.Errorf("export lacks %q:\n%s", l, out)
				}
			}
			for _, k := range tc.wantAbsent {
				if strings.Contains(string(out), k) {
					t.Errorf("export of a stack in the default modes writes %s:\n%s", k, out)
				}
			}
			plain := shopStackExport(t)
			if tc.wantLines == nil && !bytes.Equal(out, plain) {
				t.Errorf("default modes changed the export:\n%s\nwant\n%s", out, plain)
			}
			res, err := Parse(out, ParseOptions{Templates: builtins(t)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantLines != nil && (res.Stack.ComposeMode != tc.compose || res.Stack.EndpointMode != tc.endpoint) {
				t.Errorf("imported modes %q, %q; want %q, %q", res.Stack.ComposeMode, res.Stack.EndpointMode, tc.compose, tc.endpoint)
			}
		})
	}
}

func shopStackExport(t *testing.T) []byte {
	t.Helper()
	st, tpls := shopStack()
	out, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestModesRefused(t *testing.T) {
	for _, tc := range []struct{ key, field, rule string }{
		{"compose_mode: per-instance", "stack.compose_mode", `"per-instance" is not a compose mode`},
		{"endpoint_mode: ipvs", "stack.endpoint_mode", `"ipvs" is not an endpoint mode`},
	} {
		t.Run(tc.field, func(t *testing.T) {
			data := "version: 1\nstack:\n  name: shop\n  " + tc.key + "\n"
			_, err := Parse([]byte(data), ParseOptions{Templates: builtins(t)})
			for _, fe := range core.AsFieldErrors(err) {
				if fe.Field == tc.field && strings.Contains(fe.Rule, tc.rule) {
					return
				}
			}
			t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.rule)
		})
	}
}
