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

// TestWiringExitStatus: like `terraform validate`, wire, unwire and wires
// exit 1 when the stack's wiring has errors, after printing what they did
// (the stored change, the table or the JSON) and each problem; warnings
// alone exit 0.
func TestWiringExitStatus(t *testing.T) {
	errDiag := core.Diagnostic{Severity: core.SeverityError, Instance: "api",
		Message: "import db: 2 providers of postgres (db1, db2)", Hint: "devarch wire bad api.db db1"}
	warnDiag := core.Diagnostic{Severity: core.SeverityWarning, Instance: "api",
		Message: "optional import cache has no provider"}
	views := map[string]api.WiresView{
		"bad": {Stack: "bad", Wires: []core.ResolvedWire{{Consumer: "web", Import: "db", Type: core.ContractPostgres, Provider: "db1", Export: "pg"}},
			Diagnostics: []core.Diagnostic{errDiag, warnDiag}},
		"warn": {Stack: "warn", Diagnostics: []core.Diagnostic{warnDiag}},
		"good": {Stack: "good"},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/stacks/"), "/")
		v, ok := views[parts[0]]
		if !ok || len(parts) != 2 || parts[1] != "wires" {
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
			return
		}
		json.NewEncoder(w).Encode(v)
	})
	cases := []struct {
		name       string
		args       []string
		code       int
		wantOut    []string
		wantStderr []string
		noStderr   []string
	}{
		{"wires with errors", []string{"wires", "bad"}, 1, []string{"CONSUMER", "db1"},
			[]string{"devarch: error: instance api: import db: 2 providers", "devarch: hint: devarch wire bad api.db db1",
				"devarch: warning: instance api: optional import cache"}, nil},
		{"wires --json with errors", []string{"wires", "bad", "--json"}, 1, []string{`"diagnostics"`},
			[]string{"devarch: error: instance api: import db: 2 providers"}, []string{"devarch: warning:"}},
		{"wires with warnings only", []string{"wires", "warn"}, 0, nil,
			[]string{"devarch: warning: instance api: optional import cache"}, []string{"devarch: error:"}},
		{"wires --json with warnings only", []string{"wires", "warn", "--json"}, 0, []string{`"diagnostics"`}, nil, []string{"devarch:"}},
		{"wires clean", []string{"wires", "good"}, 0, []string{"no imports to wire"}, nil, []string{"devarch:"}},
		{"wire stored, wiring still broken", []string{"wire", "bad", "web.db", "db1"}, 1, []string{"Wired web.db to db1."},
			[]string{"devarch: error: instance api: import db: 2 providers"}, nil},
		{"wire stored, wiring fine", []string{"wire", "warn", "web.db", "db1"}, 0, []string{"Wired web.db to db1."},
			[]string{"devarch: warning:"}, []string{"devarch: error:"}},
		{"unwire stored, wiring broken", []string{"unwire", "bad", "web.db"}, 1, []string{"Removed the explicit wire of web.db."},
			[]string{"devarch: error: instance api: import db: 2 providers"}, nil},
		{"unwire stored, wiring fine", []string{"unwire", "good", "web.db"}, 0, []string{"Removed the explicit wire of web.db."},
			nil, []string{"devarch:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			code := c.execute(context.Background(), tc.args)
			if code != tc.code {
				t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if tc.code == 1 && !strings.HasPrefix(errOut.String(), "devarch: error: ") {
				t.Errorf("exit 1 must be explained on stderr:\n%s", errOut)
			}
			if strings.Contains(errOut.String(), "exit status") {
				t.Errorf("stderr shows the internal exit error:\n%s", errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			for _, w := range tc.noStderr {
				if strings.Contains(errOut.String(), w) {
					t.Errorf("stderr has %q:\n%s", w, errOut)
				}
			}
			if strings.HasSuffix(tc.args[len(tc.args)-1], "--json") {
				var v api.WiresView
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Errorf("--json stdout is not one JSON document: %v\n%s", err, out)
				}
			}
		})
	}
}
