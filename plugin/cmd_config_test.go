package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestConfigPrintsWarnings: config prints the compose file on stdout and
// the stack's warnings on stderr; --json keeps them in the JSON only.
func TestConfigPrintsWarnings(t *testing.T) {
	yaml := "name: devarch-shop\nservices: {}\n"
	views := map[string]api.ConfigView{
		"shop": {Stack: "shop", Project: "devarch-shop", YAML: yaml, Warnings: []core.Diagnostic{
			{Severity: core.SeverityWarning, Instance: "db", Message: "host port 15432 is also published by stack other (instance db)"},
			{Instance: "api", Message: "optional import cache has no provider", Hint: "devarch instance add shop cache --template redis"},
		}},
		"quiet": {Stack: "quiet", Project: "devarch-quiet", YAML: yaml},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stack := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/stacks/"), "/config")
		v, ok := views[stack]
		if !ok {
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
			return
		}
		json.NewEncoder(w).Encode(v)
	})
	cases := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"warnings on stderr", []string{"config", "shop"},
			"devarch: warning: instance db: host port 15432 is also published by stack other (instance db)\n" +
				"devarch: warning: instance api: optional import cache has no provider\n" +
				"devarch: hint: devarch instance add shop cache --template redis\n"},
		{"no warnings, nothing on stderr", []string{"config", "quiet"}, ""},
		{"--json keeps them in the JSON", []string{"config", "shop", "--json"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), tc.args); code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if errOut.String() != tc.wantStderr {
				t.Errorf("stderr =\n%s\nwant\n%s", errOut, tc.wantStderr)
			}
			if tc.args[len(tc.args)-1] == "--json" {
				var v api.ConfigView
				if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Warnings) != 2 {
					t.Errorf("JSON = %+v (%v)", v, err)
				}
			} else if out.String() != yaml {
				t.Errorf("stdout =\n%s\nwant the compose file only", out)
			}
		})
	}
}
