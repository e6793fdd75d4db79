package core

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeTemplateYAML(t *testing.T) {
	src := `
name: api
image: registry.example.com/shop/api:1.0
env:
  LOG_LEVEL: info
  TOKEN: {value: t0k, secret: true}
ports:
  - "127.0.0.1:8080:8080"
  - {container: 9090, protocol: udp}
volumes:
  - data:/data:ro
  - {source: /srv/x, target: /x}
healthcheck:
  test: [CMD, /bin/health]
  interval: 5s
exports:
  - {name: http, type: http, port: 8080, env: {API_URL: "http://{{.Host}}:{{.Port}}"}}
imports:
  - {name: db, type: postgres, prefix: DB_}
`
	got, err := DecodeTemplateYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Template{
		Name: "api", Image: "registry.example.com/shop/api:1.0",
		Env:         map[string]EnvVar{"LOG_LEVEL": {Value: "info"}, "TOKEN": {Value: "t0k", Secret: true}},
		Ports:       []Port{{HostIP: "127.0.0.1", Host: 8080, Container: 8080}, {Container: 9090, Protocol: "udp"}},
		Volumes:     []Volume{{Source: "data", Target: "/data", ReadOnly: true}, {Source: "/srv/x", Target: "/x"}},
		Healthcheck: &Healthcheck{Test: []string{"CMD", "/bin/health"}, Interval: Duration(5e9)},
		Exports:     []Export{{Name: "http", Type: ContractHTTP, Port: 8080, Env: map[string]string{"API_URL": "http://{{.Host}}:{{.Port}}"}}},
		Imports:     []Import{{Name: "db", Type: ContractPostgres, Prefix: "DB_"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if err := ValidateTemplate(got); err != nil {
		t.Errorf("decoded template does not validate: %v", err)
	}
}

func TestDecodeTemplateYAMLErrors(t *testing.T) {
	tests := []struct {
		name, src, field, rule string
		line                   int
	}{
		{"empty", "", "file", "is empty", 0},
		{"unknown key", "name: a\ncolour: blue\n", "colour", "unknown key", 2},
		{"unknown nested key", "name: a\nhealthcheck:\n  test: [NONE]\n  bogus: 1\n", "healthcheck.bogus", "unknown key", 4},
		{"unknown key in a list item", "name: a\nexports:\n  - {name: x, type: http, port: 80}\n  - name: y\n    typ: http\n", "exports[1].typ", "unknown key", 5},
		{"unknown key in a long-form port", "name: a\nports:\n  - {container: 80, hostport: 8080}\n", "ports[0].hostport", "unknown key", 3},
		{"unknown key in a long-form volume", "name: a\nvolumes:\n  - {source: d, target: /d, ro: true}\n", "volumes[0].ro", "unknown key", 3},
		{"unknown key in a long-form env", "name: a\nenv:\n  A: {value: x, secrett: true}\n", "env.A.secrett", "unknown key", 3},
		{"wrong type", "name: a\ncommand: {a: b}\n", "file", "invalid template YAML", 2},
		{"two documents", "name: a\n---\nname: b\n", "file", "more than one YAML document", 0},
		{"syntax", "name: [a\n", "file", "invalid template YAML", 1},
		{"bad port", "name: a\nports:\n  - \"70000:1\"\n", "ports[0]", "65535", 3},
		{"bad volume", "name: a\nvolumes:\n  - \"data:rel\"\n", "volumes[0]", "absolute", 3},
		{"bad duration", "name: a\nhealthcheck: {test: [NONE], interval: soon}\n", "healthcheck.interval", "duration", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTemplateYAML([]byte(tt.src))
			fes := AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tt.field || !strings.Contains(fes[0].Rule, tt.rule) || fes[0].Line != tt.line {
				t.Fatalf("error = %#v (%v), want field %s line %d rule ~%q", fes, err, tt.field, tt.line, tt.rule)
			}
			for _, goName := range []string{"core.", "templateYAML", "not found in type"} {
				if strings.Contains(err.Error(), goName) {
					t.Errorf("error %q shows a Go type name (%s)", err, goName)
				}
			}
		})
	}
}
