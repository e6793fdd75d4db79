package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestDecodeJSONFieldPaths(t *testing.T) {
	tests := []struct {
		name, body, field, rule string
	}{
		{"nested unknown field", `{"name":"a","template":"t","volumes":[{"source":"d","target":"/d","ro":true}]}`, "volumes[0].ro", "unknown field"},
		{"unknown field after known ones", `{"name":"a","template":"t","colour":"red"}`, "colour", "unknown field"},
		{"wrong type", `{"name":"a","template":5}`, "template", "must be a JSON string"},
		{"short form volume", `{"name":"a","template":"t","volumes":["data:rel"]}`, "volume", "absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v api.InstanceAddRequest
			err := decodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(tt.body)), &v)
			fes := core.AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tt.field || !strings.Contains(fes[0].Rule, tt.rule) {
				t.Fatalf("error = %v, want %s ~%q", err, tt.field, tt.rule)
			}
		})
	}
	var v api.InstanceAddRequest
	body := `{"name":"a","template":"t","volumes":["data:/data:ro",{"source":"/s","target":"/t"}]}`
	if err := decodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(body)), &v); err != nil {
		t.Fatal(err)
	}
	if v.Volumes == nil || len(*v.Volumes) != 2 || (*v.Volumes)[0] != (core.Volume{Source: "data", Target: "/data", ReadOnly: true}) {
		t.Errorf("volumes = %+v", v.Volumes)
	}
}
