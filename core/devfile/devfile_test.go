package devfile

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/secrets"
)

var update = flag.Bool("update", false, "rewrite golden files")

func builtins(t testing.TB) map[string]core.Template {
	t.Helper()
	return catalog.Builtin()
}

// fastKDF keeps tests quick; real exports use DefaultKDF.
func fastKDF() *secrets.KDFParams {
	return &secrets.KDFParams{Name: "argon2id", Salt: "c2FsdHNhbHRzYWx0c2FsdA==", Time: 1, Memory: 8 * 1024, Threads: 1}
}

func shopStack() (core.Stack, []core.Template) {
	api := core.Template{
		Name: "shop-api", Image: "registry.example.com/shop/api:1.4",
		Env:     map[string]core.EnvVar{"LOG_LEVEL": {Value: "info"}, "API_TOKEN": {Value: "tok-123456", Secret: true}},
		Ports:   []core.Port{{Container: 8080}},
		Imports: []core.Import{{Name: "db", Type: core.ContractPostgres}, {Name: "cache", Type: core.ContractRedis, Optional: true}},
		Files:   []core.ConfigFile{{Target: "/etc/api/api.conf", Content: "workers = 4\n", Mode: 0o644}},
	}
	ports := []core.Port{{HostIP: "127.0.0.1", Host: 8080, Container: 8080}}
	st := core.Stack{
		Name: "shop", Description: "the shop", Environment: "dev",
		Instances: []core.Instance{
			{Name: "api", Template: "shop-api", Enabled: true, Overrides: core.Overrides{
				Env:   map[string]core.EnvVar{"LOG_LEVEL": {Value: "debug"}},
				Ports: &ports,
				Files: map[string]core.ConfigFile{"/etc/api/key.pem": {Target: "/etc/api/key.pem", Content: "-----KEY-----\n", Sensitive: true}},
			}},
			{Name: "cache", Template: "redis", Enabled: false},
			{Name: "db", Template: "postgres", Enabled: true, Overrides: core.Overrides{
				Tag: new("15"),
				Env: map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "pg-s3cret-99", Secret: true}},
			}},
		},
		Wires: []core.Wire{{Consumer: "api", Import: "db", Provider: "db"}},
	}
	return st, []core.Template{api}
}

func TestExportGolden(t *testing.T) {
	st, tpls := shopStack()
	got, err := Export(st, tpls, ExportOptions{Secrets: Redact})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export-shop.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("export differs from %s:\n%s", golden, got)
	}
	if !bytes.HasPrefix(got, []byte("version: 1\n")) {
		t.Errorf("export must start with version: 1, got %q", got[:20])
	}
	for _, secret := range []string{"tok-123456", "pg-s3cret-99", "-----KEY-----"} {
		if bytes.Contains(got, []byte(secret)) {
			t.Errorf("redacted export contains secret %q", secret)
		}
	}
	again, _ := Export(st, tpls, ExportOptions{Secrets: Redact})
	if !bytes.Equal(got, again) {
		t.Error("export is not deterministic")
	}
}

func TestRoundTripPlaintext(t *testing.T) {
	st, tpls := shopStack()
	first, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(first, ParseOptions{Templates: builtins(t)})
	if err != nil {
		t.Fatalf("parse own export: %v", err)
	}
	second, err := Export(res.Stack, res.Templates, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("round trip changed the file:\n--- first\n%s\n--- second\n%s", first, second)
	}
	db, _ := res.Stack.Instance("db")
	if got := db.Overrides.Env["POSTGRES_PASSWORD"]; got.Value != "pg-s3cret-99" || !got.Secret {
		t.Errorf("secret env = %+v", got)
	}
	if cache, _ := res.Stack.Instance("cache"); cache.Enabled {
		t.Error("disabled instance imported as enabled")
	}
}

func TestSealedSecrets(t *testing.T) {
	st, tpls := shopStack()
	out, err := Export(st, tpls, ExportOptions{Secrets: Seal, Passphrase: "correct horse battery", KDF: fastKDF()})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"tok-123456", "pg-s3cret-99", "-----KEY-----"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("sealed export contains secret %q", secret)
		}
	}
	res, err := Parse(out, ParseOptions{Templates: builtins(t), Passphrase: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := res.Stack.Instance("db")
	api, _ := res.Stack.Instance("api")
	if db.Overrides.Env["POSTGRES_PASSWORD"].Value != "pg-s3cret-99" || api.Overrides.Files["/etc/api/key.pem"].Content != "-----KEY-----\n" {
		t.Errorf("sealed values did not open to the originals")
	}
	if res.Templates[0].Env["API_TOKEN"].Value != "tok-123456" {
		t.Errorf("template secret = %q", res.Templates[0].Env["API_TOKEN"].Value)
	}

	_, err = Parse(out, ParseOptions{Templates: builtins(t), Passphrase: "wrong passphrase!"})
	if err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("wrong passphrase: err = %v", err)
	}
	_, err = Parse(out, ParseOptions{Templates: builtins(t)})
	if err == nil || !strings.Contains(err.Error(), "no") || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("missing passphrase: err = %v", err)
	}
	// A sealed value moved to another key does not open (bound to its path).
	moved := bytes.Replace(out, []byte("POSTGRES_PASSWORD"), []byte("POSTGRES_PASSWORX"), 1)
	if _, err := Parse(moved, ParseOptions{Templates: builtins(t), Passphrase: "correct horse battery"}); err == nil {
		t.Error("a sealed value moved to another key opened")
	}
}

func TestRedactedNeedsSetSecret(t *testing.T) {
	st, tpls := shopStack()
	out, _ := Export(st, tpls, ExportOptions{Secrets: Redact})
	_, err := Parse(out, ParseOptions{Templates: builtins(t)})
	fes := core.AsFieldErrors(err)
	if len(fes) != 3 {
		t.Fatalf("want 3 missing secrets, got %v", err)
	}
	var hints []string
	for _, fe := range fes {
		hints = append(hints, fe.Hint)
		if fe.Line == 0 {
			t.Errorf("%s: no line", fe.Field)
		}
	}
	if !strings.Contains(strings.Join(hints, "\n"), "--set-secret db.POSTGRES_PASSWORD=- (read from stdin)") ||
		!strings.Contains(strings.Join(hints, "\n"), "--set-secret instances.api.files./etc/api/key.pem=@PATH") {
		t.Errorf("hints = %q", hints)
	}
	res, err := Parse(out, ParseOptions{Templates: builtins(t), SetSecrets: map[string]string{
		"db.POSTGRES_PASSWORD":                 "new-pass-1",
		"templates.shop-api.env.API_TOKEN":     "tok-2",
		"instances.api.files./etc/api/key.pem": "k",
	}})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := res.Stack.Instance("db")
	if db.Overrides.Env["POSTGRES_PASSWORD"].Value != "new-pass-1" {
		t.Errorf("set secret not applied")
	}
	_, err = Parse(out, ParseOptions{Templates: builtins(t), SetSecrets: map[string]string{"db.NOPE": "x"}})
	if err == nil || !strings.Contains(err.Error(), "names no secret") {
		t.Errorf("unused --set-secret: %v", err)
	}
}

func TestMigrateV0(t *testing.T) {
	data, err := os.ReadFile("testdata/v0-shop.yml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(data, ParseOptions{Templates: builtins(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.FromVersion != 0 {
		t.Errorf("FromVersion = %d", res.FromVersion)
	}
	st := res.Stack
	if st.Name != "shop" || st.Description != "legacy shop" || len(st.Instances) != 2 {
		t.Fatalf("stack = %+v", st)
	}
	db, _ := st.Instance("db")
	if db.Template != "postgres" || db.Overrides.Env["POSTGRES_DB"].Value != "shop" || !db.Enabled {
		t.Errorf("db = %+v", db)
	}
	api, _ := st.Instance("api")
	if p := *api.Overrides.Ports; len(p) != 1 || p[0].Host != 8080 || p[0].HostIP != "127.0.0.1" {
		t.Errorf("api ports = %+v", p)
	}
	if len(st.Wires) != 1 || st.Wires[0] != (core.Wire{Consumer: "api", Import: "db", Provider: "db"}) {
		t.Errorf("wires = %+v", st.Wires)
	}
	if len(res.Templates) != 1 || res.Templates[0].Env["LOG_LEVEL"].Value != "debug" {
		t.Errorf("templates = %+v", res.Templates)
	}
	out, err := Export(st, res.Templates, ExportOptions{})
	if err != nil || !bytes.HasPrefix(out, []byte("version: 1\n")) {
		t.Errorf("re-export of migrated file: %v %q", err, out)
	}
}

func TestInvalidCorpus(t *testing.T) {
	cases := map[string]struct {
		field, rule string
		line        int
	}{
		"newer-version.yml":      {"version", "unsupported version 7: this devarch reads versions 0, 1", 1},
		"no-version.yml":         {"version", "is required", 0},
		"version-not-number.yml": {"version", "must be a whole number", 1},
		"unknown-key.yml":        {"instances.api.colour", `unknown field "colour"`, 7},
		"bad-port.yml":           {"instances.api.ports[1]", "65535", 9},
		"bad-stack-name.yml":     {"stack.name", "lowercase", 3},
		"unknown-template.yml":   {"instances.api.template", `unknown template "nope"`, 6},
		"anchors.yml":            {"file", "anchors and aliases are not allowed", 4},
		"redacted-no-value.yml":  {"instances.db.env.POSTGRES_PASSWORD", "exported redacted", 8},
		"sealed-no-sealing.yml":  {"instances.db.env.POSTGRES_PASSWORD", "sealing", 8},
		"syntax.yml":             {"file", "invalid YAML", 0},
		"bad-volume.yml":         {"instances.db.volumes[0]", "absolute", 7},
		"port-conflict.yml":      {"instances.", "6379", 0},
		"bad-file-target.yml":    {"instances.db.files", "clean", 0},
		"two-docs.yml":           {"file", "more than one YAML document", 0},
		"empty.yml":              {"file", "is empty", 0},
		"python-tag.yml":         {"instances.db.image", `YAML tag "!!python/object/apply:os.system"`, 7},
		"custom-tag-key.yml":     {"instances.db.env.KEY", `YAML tag "!secret"`, 8},
	}
	entries, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(cases) {
		t.Errorf("%d files in testdata/invalid, %d cases", len(entries), len(cases))
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/invalid", name))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(data, ParseOptions{Templates: builtins(t)})
			fes := core.AsFieldErrors(err)
			if fes == nil {
				t.Fatalf("want a field error, got %v", err)
			}
			var found bool
			for _, fe := range fes {
				if strings.HasPrefix(fe.Field, want.field) && strings.Contains(fe.Rule, want.rule) && (want.line == 0 || fe.Line == want.line) {
					found = true
				}
			}
			if !found {
				t.Errorf("want %s (line %d): ...%s..., got %v", want.field, want.line, want.rule, err)
			}
		})
	}
}

func TestOversizedFile(t *testing.T) {
	big := append([]byte("version: 1\nstack: {name: shop}\n# "), bytes.Repeat([]byte("x"), MaxSize)...)
	_, err := Parse(big, ParseOptions{})
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized: %v", err)
	}
}

func TestRenameOnImport(t *testing.T) {
	st, tpls := shopStack()
	out, _ := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	res, err := Parse(out, ParseOptions{Templates: builtins(t), StackName: "shop2"})
	if err != nil || res.Stack.Name != "shop2" {
		t.Fatalf("rename: %v %q", err, res.Stack.Name)
	}
}

func FuzzParse(f *testing.F) {
	st, tpls := shopStack()
	seed, _ := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	f.Add(seed)
	if v0, err := os.ReadFile("testdata/v0-shop.yml"); err == nil {
		f.Add(v0)
	}
	entries, _ := os.ReadDir("testdata/invalid")
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata/invalid", e.Name())); err == nil {
			f.Add(b)
		}
	}
	tm := builtins(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(data, ParseOptions{Templates: tm})
		if err != nil {
			if res != nil {
				t.Fatal("Parse returned a result with an error")
			}
			return
		}
		if err := core.ValidateStack(res.Stack, merged(tm, res.Templates)); err != nil {
			t.Fatalf("Parse accepted a stack that does not validate: %v", err)
		}
	})
}

func merged(base map[string]core.Template, extra []core.Template) map[string]core.Template {
	m := map[string]core.Template{}
	for k, v := range base {
		m[k] = v
	}
	for _, t := range extra {
		m[t.Name] = t
	}
	return m
}

func TestKeepExportsRoundTrip(t *testing.T) {
	st, tpls := shopStack()
	for i := range st.Instances {
		if st.Instances[i].Name == "db" {
			st.Instances[i].Overrides.Image = new("ghcr.io/acme/pg:15")
			st.Instances[i].Overrides.KeepExports = true
		}
	}
	out, err := Export(st, tpls, ExportOptions{Secrets: Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("keep_exports: true")) {
		t.Fatalf("export lacks keep_exports:\n%s", out)
	}
	res, err := Parse(out, ParseOptions{Templates: builtins(t)})
	if err != nil {
		t.Fatal(err)
	}
	if db, _ := res.Stack.Instance("db"); !db.Overrides.KeepExports || db.Overrides.Exports != nil {
		t.Errorf("keep_exports lost on import: %+v", db.Overrides)
	}
}
