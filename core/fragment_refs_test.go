package core

import (
	"strings"
	"testing"
)

func TestComposeFragmentReferences(t *testing.T) {
	tests := []struct {
		name  string
		frag  string
		field string // "" means valid
		rule  string
	}{
		{"volumes_from an instance", "volumes_from: [api, \"api:ro\"]\n", "", ""},
		{"volumes_from an instance's container", "volumes_from: [\"container:devarch-shop-api:rw\"]\n", "", ""},
		{"pid and ipc of an instance", "pid: service:api\nipc: \"container:devarch-shop-api\"\n", "", ""},
		{"ipc modes naming no container", "ipc: shareable\npid: host\n", "", ""},
		{"volumes_from another stack's container", "volumes_from: [\"container:devarch-other-db\"]\n",
			"instances.db.compose.volumes_from[0]", `names container "devarch-other-db", which is not an instance of stack shop`},
		{"volumes_from an unknown service", "volumes_from: [api, ghost]\n",
			"instances.db.compose.volumes_from[1]", `names service "ghost"`},
		{"pid of a container outside", "pid: container:postgres\n", "instances.db.compose.pid", `names container "postgres"`},
		{"ipc of a service outside", "ipc: service:cache\n", "instances.db.compose.ipc", `names service "cache"`},
		{"volumes_from itself", "volumes_from: [db]\n", "instances.db.compose.volumes_from[0]", "names the instance itself"},
		{"network_mode of a container", "network_mode: container:x\n", "instances.db.compose", `sets "network_mode", which devarch manages`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := validStack()
			st.Instances[1].Overrides.Compose = tt.frag
			err := ValidateStack(st, stackTemplates())
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			fes := AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tt.field || !strings.Contains(fes[0].Rule, tt.rule) {
				t.Errorf("error = %v; want one on %s: ...%s...", err, tt.field, tt.rule)
			}
		})
	}
}
