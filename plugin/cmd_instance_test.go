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

// TestRenameDuplicateTellVolumes: rename says which volumes the instance
// kept, duplicate which volumes the copy got its own of; the help of both
// explains why.
func TestRenameDuplicateTellVolumes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req api.NameRequest
		json.NewDecoder(r.Body).Decode(&req)
		out := api.RenamedInstance{Instance: core.Instance{Name: req.Name, Template: "postgres", Enabled: true}}
		switch r.URL.Path {
		case "/v1/stacks/s/instances/db/rename":
			out.KeptVolumes = []string{"db-postgres-data"}
		case "/v1/stacks/s/instances/db/duplicate":
			out.RenamedVolumes = map[string]string{"db-postgres-data": "cp-postgres-data", "db-logs": "cp-logs"}
			w.WriteHeader(http.StatusCreated)
		case "/v1/stacks/s/instances/cache/rename", "/v1/stacks/s/instances/cache/duplicate":
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
			return
		}
		json.NewEncoder(w).Encode(out)
	})
	cases := []struct {
		name    string
		args    []string
		wantOut string
	}{
		{"rename keeps volumes", []string{"instance", "rename", "s", "db", "main"},
			"Renamed instance db to main.\nIt kept volumes db-postgres-data (pinned as its volumes override, so its data stays).\n"},
		{"rename without volumes", []string{"instance", "rename", "s", "cache", "c2"}, "Renamed instance cache to c2.\n"},
		{"duplicate gets its own volumes", []string{"instance", "duplicate", "s", "db", "cp"},
			"Duplicated instance db as cp.\nThe copy has its own volumes: db-logs -> cp-logs, db-postgres-data -> cp-postgres-data.\n"},
		{"duplicate without volumes", []string{"instance", "duplicate", "s", "cache", "c2"}, "Duplicated instance cache as c2.\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), tc.args); code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if out.String() != tc.wantOut {
				t.Errorf("stdout =\n%s\nwant\n%s", out, tc.wantOut)
			}
		})
	}
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"rename", []string{"db-postgres-data", "pins", "instance reset STACK NEW volumes", "another stack"}},
		{"duplicate", []string{"never shares", "DST-postgres-data", "SRC-x", "--volume"}},
	} {
		t.Run(tc.cmd+" help", func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), []string{"instance", tc.cmd, "--help"}); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
