package main

import (
	"slices"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// The lock view names each holder's mode, and the instances a targeted
// per-service apply holds alone in a column shown only when one does.
func TestLockTable(t *testing.T) {
	at := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		holders []api.LockInfo
		header  []string
		modes   []string
		last    []string // the INSTANCES column, when shown
	}{
		{"whole-stack holders only",
			[]api.LockInfo{{ID: "a", Operation: "apply", Exclusive: true, Created: at}, {ID: "b", Operation: "plan", Created: at}},
			[]string{"ID", "OPERATION", "MODE", "JOB", "WHO", "PID", "SINCE"},
			[]string{"exclusive", "shared"}, nil},
		{"instance holders",
			[]api.LockInfo{{ID: "a", Operation: "apply", JobID: "j1", Instances: []string{"api", "db"}, Created: at}, {ID: "b", Operation: "plan", Created: at}},
			[]string{"ID", "OPERATION", "MODE", "JOB", "WHO", "PID", "SINCE", "INSTANCES"},
			[]string{"instances", "shared"}, []string{"api,db", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, rows := lockTable(tt.holders)
			if !slices.Equal(header, tt.header) {
				t.Errorf("header = %q; want %q", header, tt.header)
			}
			for i, r := range rows {
				if r[2] != tt.modes[i] {
					t.Errorf("row %d mode = %q; want %q", i, r[2], tt.modes[i])
				}
				if tt.last != nil && r[len(r)-1] != tt.last[i] {
					t.Errorf("row %d instances = %q; want %q", i, r[len(r)-1], tt.last[i])
				}
				if len(r) != len(header) {
					t.Errorf("row %d has %d cells for %d columns", i, len(r), len(header))
				}
			}
		})
	}
}
