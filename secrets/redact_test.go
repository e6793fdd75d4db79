package secrets

import (
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestRedact(t *testing.T) {
	if got := Redact(core.EnvVar{Value: "pw", Secret: true}); got != core.Redacted {
		t.Errorf("secret = %q", got)
	}
	if got := Redact(core.EnvVar{Value: "plain"}); got != "plain" {
		t.Errorf("plain = %q", got)
	}
}

func sampleDesired() core.Desired {
	return core.Desired{Stack: "shop", Services: []core.WiredService{
		{Service: core.Service{Instance: "db",
			Env: map[string]core.EnvVar{
				"POSTGRES_PASSWORD": {Value: "s3cret-pass", Secret: true},
				"POSTGRES_USER":     {Value: "app"},
				"EMPTY":             {Value: "", Secret: true},
			},
			Files: []core.ConfigFile{
				{Target: "/etc/tls.key", Content: "PRIVATE-KEY-BYTES", Sensitive: true},
				{Target: "/etc/app.conf", Content: "listen 80"},
			}}},
		{Service: core.Service{Instance: "app",
			Env: map[string]core.EnvVar{
				"DB_PASSWORD": {Value: "s3cret-pass", Secret: true},
				"DB_URL":      {Value: "postgres://app:s3cret-pass@db/app", Secret: true},
			}}},
	}}
}

func TestRedactDesiredCopies(t *testing.T) {
	d := sampleDesired()
	r := RedactDesired(d)
	db, _ := r.Service("db")
	if db.Env["POSTGRES_PASSWORD"].Value != core.Redacted || !db.Env["POSTGRES_PASSWORD"].Secret {
		t.Errorf("secret env = %+v", db.Env["POSTGRES_PASSWORD"])
	}
	if db.Env["POSTGRES_USER"].Value != "app" {
		t.Errorf("plain env changed: %+v", db.Env["POSTGRES_USER"])
	}
	if db.Files[0].Content != core.Redacted || db.Files[1].Content != "listen 80" {
		t.Errorf("files = %+v", db.Files)
	}
	orig, _ := d.Service("db")
	if orig.Env["POSTGRES_PASSWORD"].Value != "s3cret-pass" || orig.Files[0].Content != "PRIVATE-KEY-BYTES" {
		t.Error("RedactDesired modified its argument")
	}
}

func TestRedactStackAndTemplate(t *testing.T) {
	st := core.Stack{Name: "shop", Instances: []core.Instance{{Name: "db", Overrides: core.Overrides{
		Env:   map[string]core.EnvVar{"PW": {Value: "x1", Secret: true}},
		Files: map[string]core.ConfigFile{"/k": {Target: "/k", Content: "c1", Sensitive: true}},
	}}}}
	r := RedactStack(st)
	if r.Instances[0].Overrides.Env["PW"].Value != core.Redacted || r.Instances[0].Overrides.Files["/k"].Content != core.Redacted {
		t.Errorf("stack not redacted: %+v", r.Instances[0].Overrides)
	}
	if st.Instances[0].Overrides.Env["PW"].Value != "x1" || st.Instances[0].Overrides.Files["/k"].Content != "c1" {
		t.Error("RedactStack modified its argument")
	}
	tpl := RedactTemplate(core.Template{Env: map[string]core.EnvVar{"PW": {Value: "x2", Secret: true}}})
	if tpl.Env["PW"].Value != core.Redacted {
		t.Errorf("template env = %+v", tpl.Env)
	}
}

func TestSecretValues(t *testing.T) {
	got := SecretValues(sampleDesired())
	want := []string{"postgres://app:s3cret-pass@db/app", "PRIVATE-KEY-BYTES", "s3cret-pass"}
	if !slices.Equal(got, want) {
		t.Fatalf("SecretValues = %q, want %q", got, want)
	}
}

func TestScrub(t *testing.T) {
	secrets := SecretValues(sampleDesired())
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{"plain", "connecting to db", "connecting to db", secrets},
		{"one", "password s3cret-pass rejected", "password [REDACTED] rejected", secrets},
		{"containing", "url postgres://app:s3cret-pass@db/app", "url [REDACTED]", secrets},
		{"containing, short first", "url postgres://app:s3cret-pass@db/app", "url [REDACTED]", []string{"s3cret-pass", "postgres://app:s3cret-pass@db/app"}},
		{"twice", "s3cret-pass/s3cret-pass", "[REDACTED]/[REDACTED]", secrets},
		{"empty secret ignored", "abc", "abc", []string{""}},
		{"none", "s3cret-pass", "s3cret-pass", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scrub(tt.in, tt.secrets)
			if got != tt.want {
				t.Fatalf("Scrub = %q, want %q", got, tt.want)
			}
			for _, s := range tt.secrets {
				if s != "" && tt.secrets != nil && strings.Contains(got, s) {
					t.Fatalf("secret %q left in %q", s, got)
				}
			}
		})
	}
}

func TestScrubKeeping(t *testing.T) {
	keep := []string{"devarch-shop_db-postgres-data", "devarch-shop-db", "docker.io/library/postgres:16"}
	for _, tc := range []struct {
		name, in, want string
		hide           []string
	}{
		{"a common-word secret leaves names intact",
			`Volume "devarch-shop_db-postgres-data" Creating; password postgres`,
			`Volume "devarch-shop_db-postgres-data" Creating; password [REDACTED]`, []string{"postgres"}},
		{"a secret containing a name is hidden whole",
			"url postgres://app:pw@devarch-shop-db:5432/app",
			"url [REDACTED]", []string{"postgres://app:pw@devarch-shop-db:5432/app"}},
		{"no secrets", "Container devarch-shop-db Started", "Container devarch-shop-db Started", nil},
		{"secrets outside names", "token s3cr3t-value in devarch-shop-db",
			"token [REDACTED] in devarch-shop-db", []string{"s3cr3t-value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ScrubKeeping(tc.in, tc.hide, keep); got != tc.want {
				t.Errorf("ScrubKeeping(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSecretValuesHideFileLines(t *testing.T) {
	d := core.Desired{Stack: "s", Services: []core.WiredService{{Service: core.Service{Instance: "db", Files: []core.ConfigFile{
		{Target: "/etc/token", Content: "tok-123456\n", Sensitive: true},
		{Target: "/etc/key.pem", Content: "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34\n}\n", Sensitive: true},
		{Target: "/etc/plain.conf", Content: "workers = 4\n"},
	}}}}}
	vals := SecretValues(d)
	for _, line := range []string{
		"loaded token tok-123456",
		"key line MIIBOgIBAAJBAKj34 read",
	} {
		if got := Scrub(line, vals); strings.Contains(got, "tok-123456") || strings.Contains(got, "MIIBOgIBAAJBAKj34") {
			t.Errorf("Scrub(%q) = %q: a line of a sensitive file survived", line, got)
		}
	}
	if got := Scrub("workers = 4 } ok", vals); got != "workers = 4 } ok" {
		t.Errorf("Scrub hid a plain file or a short line: %q", got)
	}
}
