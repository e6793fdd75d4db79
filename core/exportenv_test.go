package core

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestExportEnvLanguageRefused(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"numeric range", "{{range 5000000}}" + strings.Repeat("A", 200) + "{{end}}", "range is not allowed"},
		{"range over env", `{{range $k, $v := .Env}}{{$v}},{{end}}`, "range is not allowed"},
		{"range keys", `{{range $k, $v := .Env}}{{$k}},{{end}}`, "range is not allowed"},
		{"range inside if", `{{if .Host}}{{range .Env}}x{{end}}{{end}}`, "range is not allowed"},
		{"define", `{{define "x"}}a{{end}}b`, "define and block are not allowed"},
		{"empty define", `{{define "x"}}{{end}}b`, "define and block are not allowed"},
		{"block", `{{block "x" .}}a{{end}}`, "define and block are not allowed"},
		{"template call", `{{template "export env" .}}`, "template is not allowed"},
		{"printf width", `{{printf "%099999999d" 1}}`, `function "printf" is not allowed`},
		{"print", `{{print .Host}}`, `function "print" is not allowed`},
		{"call", `{{call .Host}}`, `function "call" is not allowed`},
		{"len", `{{len .Env}}`, `function "len" is not allowed`},
		{"slice", `{{slice .Host 1}}`, `function "slice" is not allowed`},
		{"urlquery in pipeline", `{{.Host | urlquery}}`, `function "urlquery" is not allowed`},
		{"function in parens", `{{eq (printf "%s" .Host) "x"}}`, `function "printf" is not allowed`},
		{"too many nodes", strings.Repeat("{{.Host}}", MaxExportEnvNodes), "template nodes; the limit is 256"},
		{"too long", strings.Repeat("a", MaxEnvValue+1), "is 65537 bytes; the limit is 64 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseExportEnv(tc.text)
			var le *languageError
			if !errors.As(err, &le) {
				t.Fatalf("parse error = %v, want a language error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestExportEnvLanguageAllowed(t *testing.T) {
	data := ExportData{Host: "devarch-s-db", Port: 5432, Instance: "db", Stack: "s", Env: map[string]string{"U": "app", "P": "pw"}}
	tests := []struct{ text, want string }{
		{"postgres://{{.Env.U}}:{{.Env.P}}@{{.Host}}:{{.Port}}/{{.Instance}}?s={{.Stack}}", "postgres://app:pw@devarch-s-db:5432/db?s=s"},
		{`{{index .Env "U"}}`, "app"},
		{`{{if and (eq .Env.U "app") (ne .Port 1)}}yes{{end}}`, "yes"},
		{`{{if or (not .Env.U) false}}a{{else}}b{{end}}`, "b"},
		{`{{with $u := .Env.U}}{{$u}}{{end}}`, "app"},
		{`{{/* a comment */}}x`, "x"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			tpl, err := parseExportEnv(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := executeExportEnv(tpl, data)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestExportEnvOutputCap(t *testing.T) {
	big := strings.Repeat("A", 40<<10)
	data := ExportData{Env: map[string]string{"BIG": big}}
	tpl, err := parseExportEnv("{{.Env.BIG}}{{.Env.BIG}}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := executeExportEnv(tpl, data); !errors.Is(err, errExportOutput) {
		t.Fatalf("80 KiB rendering: error = %v, want the output limit", err)
	}
	tpl, err = parseExportEnv("{{.Env.BIG}}")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := executeExportEnv(tpl, data); err != nil || got != big {
		t.Fatalf("40 KiB rendering: len %d, %v; want the value", len(got), err)
	}
}

func TestExportEnvDeadline(t *testing.T) {
	tpl, err := parseExportEnv("a{{.Host}}")
	if err != nil {
		t.Fatal(err)
	}
	w := &boundedWriter{deadline: time.Now().Add(-time.Second)}
	if err := tpl.Execute(w, ExportData{Host: "h"}); !errors.Is(err, errExportTime) {
		t.Fatalf("past its deadline: error = %v, want the time limit", err)
	}
}

func TestExportEnvParsedOnce(t *testing.T) {
	text := "{{.Host}}:{{.Port}}/cache-test"
	a, err := parseExportEnv(text)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseExportEnv(text)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same export env text was parsed twice")
	}
	_, e1 := parseExportEnv("{{range 3}}x{{end}}")
	_, e2 := parseExportEnv("{{range 3}}x{{end}}")
	if e1 == nil || e1 != e2 {
		t.Errorf("a refused text is not cached: %v, %v", e1, e2)
	}
}

// TestExportEnvBoundsAtWriteTime checks that a template, and an instance's
// exports override, that break the bounds are refused by validation with the
// field and the limit named.
func TestExportEnvBoundsAtWriteTime(t *testing.T) {
	bomb := "{{range 5000000}}" + strings.Repeat("A", 200) + "{{end}}"
	tpl := validTemplate()
	tpl.Exports[0].Env["BOMB"] = bomb
	assertFieldError(t, ValidateTemplate(tpl), "templates.postgres.exports[0].env.BOMB", "range is not allowed")

	tpl = validTemplate()
	tpl.Env["BIG"] = EnvVar{Value: strings.Repeat("x", 40<<10)}
	tpl.Exports[0].Env["TWICE"] = "{{.Env.BIG}}{{.Env.BIG}}"
	assertFieldError(t, ValidateTemplate(tpl), "templates.postgres.exports[0].env.TWICE", "the limit for one value")

	st, tpls := validStack(), stackTemplates()
	st.Instances[1].Overrides.Exports = &[]Export{{Name: "pg", Type: ContractPostgres, Port: 5432, Env: map[string]string{"U": bomb}}}
	assertFieldError(t, ValidateStack(st, tpls), "instances.db.exports[0].env.U", "range is not allowed")
}
