package core

import "testing"

func TestSecretDetection(t *testing.T) {
	env := map[string]EnvVar{"USER": {Value: "app"}, "PASS": {Value: "pw", Secret: true}, "EMPTY": {Value: "", Secret: true}}
	data := ExportData{Host: "h", Port: 1, Env: envValues(env)}
	tests := []struct {
		text   string
		want   string
		secret bool
	}{
		{"{{.Host}}:{{.Port}}", "h:1", false},
		{"{{.Env.USER}}", "app", false},
		{"{{.Env.PASS}}", "pw", true},
		{`{{index .Env "PASS"}}`, "pw", true},
		{"{{.Env.EMPTY}}", "", true},
		{`{{$p := .Env.PASS}}{{$p}}`, "pw", true},
		{`{{if .Env.PASS}}x{{else}}y{{end}}`, "x", true},
		{`{{with .Env.PASS}}x{{end}}`, "x", true},
		{`{{if eq .Env.USER "app"}}ok{{end}}`, "ok", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, secret, err := renderExportEnv("t", tc.text, data, secretKeys(env))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || secret != tc.secret {
				t.Errorf("got %q secret=%v, want %q secret=%v", got, secret, tc.want, tc.secret)
			}
		})
	}
}
