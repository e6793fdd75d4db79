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
		{"short form volume", `{"name":"a","template":"t","volumes":["data:rel"]}`, "volumes[0]", "absolute"},
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

// TestDecodeJSONInstanceUpdate checks instance set's body, whose overrides
// are an embedded struct: every refused key or value is named by its JSON
// path (never a Go type's name), and a key given twice is refused, as
// devarch.yml refuses it, instead of the last one silently winning.
func TestDecodeJSONInstanceUpdate(t *testing.T) {
	tests := []struct {
		name, body, field, rule string
	}{
		{"wrong type", `{"mask":["tag"],"tag":5}`, "tag", "must be a JSON string, got number"},
		{"wrong type in a list", `{"mask":["ports"],"ports":[{"container":80},{"container":"x"}]}`, "ports[1].container", "must be a JSON number, got string"},
		{"wrong type in a map", `{"mask":["env"],"env":{"A":"a","B":{"value":5}}}`, "env.B.value", "must be a JSON string, got number"},
		{"object for a map", `{"mask":["labels"],"labels":["a"]}`, "labels", "must be a JSON object, got array"},
		{"number out of range", `{"mask":["replicas"],"replicas":1e400}`, "replicas", "out of range"},
		{"negative duration", `{"mask":["healthcheck.interval"],"healthcheck":{"interval":"-3s"}}`, "healthcheck.interval", "must not be negative"},
		{"duration without unit", `{"mask":["healthcheck"],"healthcheck":{"interval":"abc"}}`, "healthcheck.interval", "want a number with a unit"},
		{"duplicate key", `{"mask":["tag"],"tag":"a","tag":"b"}`, "tag", "given twice"},
		{"duplicate key in other case", `{"mask":["tag"],"tag":"a","TAG":"b"}`, "TAG", "given twice"},
		{"duplicate map key", `{"mask":["env"],"env":{"A":"1","A":"2"}}`, "env.A", "given twice"},
		{"duplicate key in a list element", `{"mask":["ports"],"ports":[{"container":80,"container":81}]}`, "ports[0].container", "given twice"},
		{"duplicate key in a short-form type's object", `{"mask":["volumes"],"volumes":[{"source":"d","target":"/d","target":"/e"}]}`, "volumes[0].target", "given twice"},
		{"unknown key", `{"mask":["tag"],"tag":"a","zzz":1}`, "zzz", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v core.InstanceUpdate
			err := decodeJSON(httptest.NewRequest("PATCH", "/", strings.NewReader(tt.body)), &v)
			fes := core.AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tt.field || !strings.Contains(fes[0].Rule, tt.rule) {
				t.Fatalf("error = %v, want %s ~%q", err, tt.field, tt.rule)
			}
		})
	}
	// A secret given in a form the field refuses is never quoted back.
	var v core.InstanceUpdate
	err := decodeJSON(httptest.NewRequest("PATCH", "/", strings.NewReader(`{"mask":["env"],"env":{"PW":12345678}}`)), &v)
	if err == nil || strings.Contains(err.Error(), "12345678") || !strings.Contains(err.Error(), "env.PW") {
		t.Errorf("error = %v, want env.PW named and the value left out", err)
	}
}
