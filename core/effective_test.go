package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEffectiveCommandClear checks that an explicit empty command or
// entrypoint (instance set --command "") is kept as "clear the image's" in
// the effective config and shown as [], while an unset one stays absent.
func TestEffectiveCommandClear(t *testing.T) {
	tpl := Template{Name: "redis", Image: "docker.io/library/redis:7", Command: []string{"redis-server", "--appendonly", "yes"}}
	bare := Template{Name: "app", Image: "docker.io/library/app:1"}
	tests := []struct {
		name       string
		tpl        Template
		o          Overrides
		want, lack []string // substrings of the effective JSON
	}{
		{"template command inherited", tpl, Overrides{}, []string{`"command":["redis-server","--appendonly","yes"]`}, []string{`"entrypoint"`}},
		{"command cleared", tpl, Overrides{Command: &[]string{}}, []string{`"command":[]`}, nil},
		{"entrypoint cleared", bare, Overrides{Entrypoint: &[]string{}}, []string{`"entrypoint":[]`}, []string{`"command"`}},
		{"nothing set", bare, Overrides{}, nil, []string{`"command"`, `"entrypoint"`}},
		{"command replaced", tpl, Overrides{Command: &[]string{"redis-server"}}, []string{`"command":["redis-server"]`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := Merge(tt.tpl, Instance{Name: "x", Template: tt.tpl.Name, Enabled: true, Overrides: tt.o})
			if tt.o.Command != nil && svc.Command == nil || tt.o.Entrypoint != nil && svc.Entrypoint == nil {
				t.Fatalf("an explicit empty list became nil: %+v", svc)
			}
			b, err := json.Marshal(svc)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("effective JSON %s lacks %s", b, w)
				}
			}
			for _, l := range tt.lack {
				if strings.Contains(string(b), l) {
					t.Errorf("effective JSON %s has %s", b, l)
				}
			}
			var back Service
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if (back.Command == nil) != (svc.Command == nil) || (back.Entrypoint == nil) != (svc.Entrypoint == nil) {
				t.Errorf("JSON round trip changed nil/empty: %+v -> %+v", svc, back)
			}
		})
	}
}
