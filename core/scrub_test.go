package core

import (
	"slices"
	"strings"
	"testing"
)

func TestSecretValues(t *testing.T) {
	d := sampleDesired()
	applied := Desired{Stack: "shop", Services: []WiredService{{Service: Service{Instance: "db",
		Env:   map[string]EnvVar{"OLD": {Value: "old-pass", Secret: true}, "PH": {Value: Redacted, Secret: true}},
		Files: []ConfigFile{{Target: "/f", Content: "line one\nline two\n", Sensitive: true}},
	}}}}
	for _, tt := range []struct {
		name string
		ds   []*Desired
		want []string
	}{
		{"one state", []*Desired{&d}, []string{"postgres://app:s3cret-pass@db/app", "PRIVATE-KEY-BYTES", "s3cret-pass"}},
		{"two states, nil skipped, placeholder never", []*Desired{&d, nil, &applied},
			[]string{"postgres://app:s3cret-pass@db/app", "line one\nline two\n", "PRIVATE-KEY-BYTES", "s3cret-pass", "old-pass"}},
		{"none", nil, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SecretValues(tt.ds...); !slices.Equal(got, tt.want) {
				t.Errorf("SecretValues = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOutputSecrets(t *testing.T) {
	d := sampleDesired()
	if got, want := OutputSecrets(&d), []string{"postgres://app:s3cret-pass@db/app", "PRIVATE-KEY-BYTES", "s3cret-pass"}; !slices.Equal(got, want) {
		t.Fatalf("OutputSecrets = %q, want %q", got, want)
	}
}

func TestOutputSecretsHideFileLines(t *testing.T) {
	d := Desired{Stack: "s", Services: []WiredService{{Service: Service{Instance: "db", Files: []ConfigFile{
		{Target: "/etc/token", Content: "tok-123456\n", Sensitive: true},
		{Target: "/etc/key.pem", Content: "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34\n}\n", Sensitive: true},
		{Target: "/etc/plain.conf", Content: "workers = 4\n"},
	}}}}}
	vals := OutputSecrets(&d)
	for _, line := range []string{
		"loaded token tok-123456",
		"key line MIIBOgIBAAJBAKj34 read",
	} {
		t.Run(line, func(t *testing.T) {
			if got := Scrub(line, vals); strings.Contains(got, "tok-123456") || strings.Contains(got, "MIIBOgIBAAJBAKj34") {
				t.Errorf("Scrub(%q) = %q: a line of a sensitive file survived", line, got)
			}
		})
	}
	if got := Scrub("workers = 4 } ok", vals); got != "workers = 4 } ok" {
		t.Errorf("Scrub hid a plain file or a short line: %q", got)
	}
}

func TestContainsSecret(t *testing.T) {
	for _, tt := range []struct {
		name, s string
		secrets []string
		want    bool
	}{
		{"inside", "--pw=abc123", []string{"abc123"}, true},
		{"absent", "--pw=x", []string{"abc123"}, false},
		{"empty text", "", []string{"abc123"}, false},
		{"empty secret ignored", "anything", []string{""}, false},
		{"no secrets", "anything", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContainsSecret(tt.s, tt.secrets); got != tt.want {
				t.Errorf("ContainsSecret(%q, %q) = %v", tt.s, tt.secrets, got)
			}
		})
	}
}

func TestScrub(t *testing.T) {
	d := sampleDesired()
	secrets := OutputSecrets(&d)
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
				if s != "" && strings.Contains(got, s) {
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

func TestPublicNames(t *testing.T) {
	d := sampleDesired()
	d.Services[0].Volumes = []Volume{{Source: "pgdata", Target: "/data"}, {Source: "./local", Target: "/l"}}
	other := Desired{Stack: "blog", Services: []WiredService{{Service: Service{Instance: "web", Image: "nginx:1"}}}}
	got := PublicNames(&d, nil, &other)
	slices.Sort(got)
	want := []string{ProjectName("blog"), ContainerName("blog", "web"), NetworkName("blog"),
		ProjectName("shop"), ContainerName("shop", "app"), ContainerName("shop", "db"), NetworkName("shop"),
		ProjectName("shop") + "_pgdata", "docker.io/library/postgres:16", "nginx:1"}
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(got, want) {
		t.Errorf("PublicNames = %q\nwant %q", got, want)
	}
}

// TestScrubberShortAndEdgeForms checks the scrubber's quick rejection
// (strings holding no form's first bytes are returned as they are) never
// skips a form: forms shorter than the gram it looks for, forms at the
// very start and end of the string, and strings shorter than the gram.
func TestScrubberShortAndEdgeForms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"one-byte secret", []string{"Q"}, "aQb", "a" + Redacted + "b"},
		{"two-byte secret at the end", []string{"zq"}, "xyzzq", "xyz" + Redacted},
		{"at the start", []string{"s3cret-pass"}, "s3cret-pass and more", Redacted + " and more"},
		{"whole string", []string{"s3cret-pass"}, "s3cret-pass", Redacted},
		{"string shorter than the gram", []string{"ab", "s3cret-pass"}, "ab", Redacted},
		{"no form", []string{"s3cret-pass"}, "nothing secret here", "nothing secret here"},
		{"url-encoded form only", []string{"p@ss word"}, "u:p%40ss+word@h", "u:" + Redacted + "@h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewScrubber(tc.secrets, nil).Scrub(tc.in); got != tc.want {
				t.Errorf("Scrub(%q) with secrets %q = %q, want %q", tc.in, tc.secrets, got, tc.want)
			}
		})
	}
}
