package core

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestShortFormsYAML(t *testing.T) {
	type doc struct {
		Ports   []Port            `yaml:"ports,omitempty"`
		Volumes []Volume          `yaml:"volumes,omitempty"`
		Env     map[string]EnvVar `yaml:"env,omitempty"`
	}
	tests := []struct {
		name, src string
		want      doc
	}{
		{"container port", "ports: [\"8080\", 9090]", doc{Ports: []Port{{Container: 8080}, {Container: 9090}}}},
		{"host ip and protocol", "ports: [\"127.0.0.1:5433:5432/tcp\"]", doc{Ports: []Port{{HostIP: "127.0.0.1", Host: 5433, Container: 5432, Protocol: "tcp"}}}},
		{"long port", "ports: [{container: 53, protocol: udp}]", doc{Ports: []Port{{Container: 53, Protocol: "udp"}}}},
		{"volume", "volumes: [\"data:/data:ro\", {source: /srv, target: /srv}]", doc{Volumes: []Volume{{Source: "data", Target: "/data", ReadOnly: true}, {Source: "/srv", Target: "/srv"}}}},
		{"env", "env: {A: x, B: 5, C: {value: s, secret: true}}", doc{Env: map[string]EnvVar{"A": {Value: "x"}, "B": {Value: "5"}, "C": {Value: "s", Secret: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got doc
			if err := yaml.Unmarshal([]byte(tt.src), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			out, err := yaml.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var back doc
			if err := yaml.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip through %q: %+v, %v", out, back, err)
			}
		})
	}
}

func TestShortFormsMarshalYAML(t *testing.T) {
	out, err := yaml.Marshal(Template{
		Name: "a", Image: "x",
		Env:     map[string]EnvVar{"A": {Value: "1"}, "S": {Value: "s", Secret: true}},
		Ports:   []Port{{HostIP: "::1", Host: 80, Container: 8080}, {Container: 0}},
		Volumes: []Volume{{Source: "d", Target: "/d", ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`A: "1"`, "S:\n        secret: true\n        value: s", `- '[::1]:80:8080'`, "- container: 0", "- d:/d:ro"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestShortFormsYAMLErrors(t *testing.T) {
	tests := []struct{ name, src, field, rule string }{
		{"bad port", "ports: [\"1:2:3:4\"]", "ports[0]", "too many"},
		{"port as list", "ports: [[1]]", "ports[0]", "must be a port"},
		{"unknown port key", "ports: [{container: 1, hostport: 2}]", "ports[0].hostport", "unknown key"},
		{"bad volume", "volumes: [rel]", "volumes[0]", "SOURCE:TARGET"},
		{"null env", "env: {A: null}", "env.A", "must not be null"},
		{"unknown env key", "env: {A: {value: x, secrett: true}}", "env.A.secrett", "unknown key"},
	}
	type doc struct {
		Ports   []Port            `yaml:"ports"`
		Volumes []Volume          `yaml:"volumes"`
		Env     map[string]EnvVar `yaml:"env"`
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &root); err != nil {
				t.Fatal(err)
			}
			probs := DecodeYAMLNode(&root, &doc{})
			if len(probs) != 1 || probs[0].Path != tt.field || !strings.Contains(probs[0].Rule(), tt.rule) || probs[0].Line != 1 {
				t.Fatalf("problems = %+v, want %s ~%q on line 1", probs, tt.field, tt.rule)
			}
		})
	}
}

func TestShortFormsJSON(t *testing.T) {
	var got struct {
		Ports   []Port            `json:"ports"`
		Volumes []Volume          `json:"volumes"`
		Env     map[string]EnvVar `json:"env"`
	}
	src := `{"ports":["8080","127.0.0.1:5433:5432/udp",{"container":9}],"volumes":["d:/d:ro",{"source":"/s","target":"/t"}],"env":{"A":"x","B":{"value":"y","secret":true}}}`
	if err := json.Unmarshal([]byte(src), &got); err != nil {
		t.Fatal(err)
	}
	if want := []Port{{Container: 8080}, {HostIP: "127.0.0.1", Host: 5433, Container: 5432, Protocol: "udp"}, {Container: 9}}; !reflect.DeepEqual(got.Ports, want) {
		t.Errorf("ports = %+v", got.Ports)
	}
	if want := []Volume{{Source: "d", Target: "/d", ReadOnly: true}, {Source: "/s", Target: "/t"}}; !reflect.DeepEqual(got.Volumes, want) {
		t.Errorf("volumes = %+v", got.Volumes)
	}
	if want := map[string]EnvVar{"A": {Value: "x"}, "B": {Value: "y", Secret: true}}; !reflect.DeepEqual(got.Env, want) {
		t.Errorf("env = %+v", got.Env)
	}
	// The JSON written stays the long form.
	b, _ := json.Marshal(got)
	want := `{"ports":[{"container":8080},{"host_ip":"127.0.0.1","host":5433,"container":5432,"protocol":"udp"},{"container":9}],"volumes":[{"source":"d","target":"/d","read_only":true},{"source":"/s","target":"/t"}],"env":{"A":{"value":"x"},"B":{"value":"y","secret":true}}}`
	if string(b) != want {
		t.Errorf("marshal = %s\nwant      %s", b, want)
	}
	for _, bad := range []struct{ src, rule string }{
		{`{"ports":["70000"]}`, "65535"},
		{`{"ports":[true]}`, "must be a port"},
		{`{"volumes":["x"]}`, "SOURCE:TARGET"},
		{`{"env":{"A":5}}`, "must be a string"},
	} {
		err := json.Unmarshal([]byte(bad.src), &got)
		if fes := AsFieldErrors(err); fes == nil || !strings.Contains(err.Error(), bad.rule) {
			t.Errorf("%s: error %v, want a field error ~%q", bad.src, err, bad.rule)
		}
	}
}
