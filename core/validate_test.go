package core

import (
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true}, {"db", true}, {"web-1", true}, {"0", true}, {strings.Repeat("a", 63), true},
		{"", false}, {"Web", false}, {"-web", false}, {"web-", false}, {"web_1", false},
		{"web.1", false}, {strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName("stack.name", tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if err != nil {
				fe := AsFieldErrors(err)
				if len(fe) != 1 || fe[0].Field != "stack.name" || !strings.Contains(fe[0].Rule, "DNS label") {
					t.Errorf("error = %#v, want field stack.name and the DNS label rule", err)
				}
			}
		})
	}
}

func TestValidateInstanceNameLength(t *testing.T) {
	stack := strings.Repeat("s", 30)
	ok := strings.Repeat("i", 63-len("devarch-")-len(stack)-1)
	if err := ValidateInstanceName(stack, ok); err != nil {
		t.Fatalf("63-char container name refused: %v", err)
	}
	err := ValidateInstanceName(stack, ok+"x")
	if err == nil {
		t.Fatal("64-char container name accepted")
	}
	for _, want := range []string{"64 characters", "limit is 63"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := ValidateInstanceName("shop", "Api"); err == nil || !strings.Contains(err.Error(), "DNS label") {
		t.Errorf("bad instance name: %v", err)
	}
	if err := ValidateStackName(strings.Repeat("s", 53)); err != nil {
		t.Errorf("53-char stack name refused: %v", err)
	}
	if err := ValidateStackName(strings.Repeat("s", 54)); err == nil || !strings.Contains(err.Error(), "limit is 63") {
		t.Errorf("54-char stack name: %v", err)
	}
}

func TestContractTypeValid(t *testing.T) {
	for _, ct := range ContractTypes {
		if !ct.Valid() || ct.User() {
			t.Errorf("%s: Valid=%v User=%v", ct, ct.Valid(), ct.User())
		}
	}
	for ct, want := range map[ContractType]bool{"x-kafka": true, "x-a1-b": true, "x-": false, "x-Kafka": false, "kafka": false, "": false, "POSTGRES": false} {
		if ct.Valid() != want {
			t.Errorf("%q.Valid() = %v, want %v", ct, !want, want)
		}
	}
}

func TestValidateImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		ref  string
		want string // substring of the rule; "" means valid
	}{
		{"docker.io/library/postgres:16", ""},
		{"ghcr.io/org/app:v1.2.3", ""},
		{"localhost/app:dev", ""},
		{"localhost:5000/team/app:1", ""},
		{"registry.example.com:8443/a/b/c:latest", ""},
		{"docker.io/library/postgres@" + digest, ""},
		{"docker.io/library/postgres:16@" + digest, ""},
		{"", "required"},
		{"postgres:16", "names no registry"},
		{"library/postgres:16", "not a registry host"},
		{"docker.io/library/postgres", "no tag or digest"},
		{"docker.io/library/Postgres:16", "invalid repository"},
		{"docker.io/library/postgres:-bad", "invalid tag"},
		{"docker.io/library/postgres@sha256:xyz", "invalid digest"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			err := ValidateImage("image", tt.ref)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid image refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func validTemplate() Template {
	return Template{
		Name:    "postgres",
		Image:   "docker.io/library/postgres:16",
		Restart: "unless-stopped",
		Env: map[string]EnvVar{
			"POSTGRES_USER": {Value: "postgres"}, "POSTGRES_PASSWORD": {Value: "pw", Secret: true},
		},
		Ports:       []Port{{Container: 5432}},
		Volumes:     []Volume{{Source: "data", Target: "/var/lib/postgresql/data"}},
		Labels:      map[string]string{"team": "core"},
		Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "pg_isready"}, Interval: Duration(5e9)},
		Files:       []ConfigFile{{Target: "/etc/postgresql/extra.conf", Content: "x", Mode: 0o640}},
		Domains:     []string{"db.shop.localhost"},
		Exports: []Export{{Name: "postgres", Type: ContractPostgres, Port: 5432, Env: map[string]string{
			"DATABASE_URL": "postgres://{{.Env.POSTGRES_USER}}:{{.Env.POSTGRES_PASSWORD}}@{{.Host}}:{{.Port}}/app",
		}}},
		Imports: []Import{{Name: "cache", Type: ContractRedis, Optional: true, Prefix: "CACHE_"}},
	}
}

func TestValidateTemplate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Template)
		field  string // "" means valid
		rule   string
	}{
		{"valid", func(*Template) {}, "", ""},
		{"user contract type", func(t *Template) { t.Exports[0].Type = "x-pg-proxy" }, "", ""},
		{"on-failure with count", func(t *Template) { t.Restart = "on-failure:3" }, "", ""},
		{"absolute bind source", func(t *Template) { t.Volumes[0].Source = "/srv/pg" }, "", ""},
		{"random host port on an IP", func(t *Template) { t.Ports[0] = Port{HostIP: "127.0.0.1", Container: 5432} }, "", ""},
		{"same container port on v4 and v6", func(t *Template) {
			t.Ports = []Port{{HostIP: "127.0.0.1", Host: 5432, Container: 5432}, {HostIP: "::1", Host: 5432, Container: 5432}}
		}, "", ""},
		{"bad name", func(t *Template) { t.Name = "Postgres" }, "templates.Postgres.name", "DNS label"},
		{"short image", func(t *Template) { t.Image = "postgres:16" }, "templates.postgres.image", "fully qualified"},
		{"restart", func(t *Template) { t.Restart = "sometimes" }, "templates.postgres.restart", "restart policy"},
		{"env key", func(t *Template) { t.Env["1BAD"] = EnvVar{} }, "templates.postgres.env.1BAD", "environment variable name"},
		{"empty label key", func(t *Template) { t.Labels[""] = "x" }, "templates.postgres.labels", "empty"},
		{"reserved label", func(t *Template) { t.Labels["devarch.stack"] = "x" }, "templates.postgres.labels.devarch.stack", "reserved"},
		{"container port 0", func(t *Template) { t.Ports = append(t.Ports, Port{Container: 0}) }, "templates.postgres.ports[1]", "1-65535"},
		{"host port too big", func(t *Template) { t.Ports[0].Host = 70000 }, "templates.postgres.ports[0]", "1-65535"},
		{"protocol", func(t *Template) { t.Ports[0].Protocol = "sctp" }, "templates.postgres.ports[0]", "tcp or udp"},
		{"host ip", func(t *Template) { t.Ports[0].HostIP = "localhost" }, "templates.postgres.ports[0]", "IPv4 or IPv6"},
		{"duplicate container port", func(t *Template) {
			t.Ports = []Port{{Host: 5432, Container: 5432}, {Host: 15432, Container: 5432}}
		}, "templates.postgres.ports[1]", "already published"},
		{"duplicate host port", func(t *Template) {
			t.Ports = []Port{{Host: 8080, Container: 5432}, {HostIP: "127.0.0.1", Host: 8080, Container: 5433}}
		}, "templates.postgres.ports[1]", "already published"},
		{"relative volume target", func(t *Template) { t.Volumes[0].Target = "data" }, "templates.postgres.volumes[0]", "absolute"},
		{"unclean volume target", func(t *Template) { t.Volumes[0].Target = "/var/lib/../data" }, "templates.postgres.volumes[0]", "clean"},
		{"bad volume name", func(t *Template) { t.Volumes[0].Source = "./data" }, "templates.postgres.volumes[0]", "volume name"},
		{"duplicate volume target", func(t *Template) { t.Volumes = append(t.Volumes, Volume{Source: "x", Target: t.Volumes[0].Target}) }, "templates.postgres.volumes[1]", "already mounted"},
		{"healthcheck word", func(t *Template) { t.Healthcheck.Test = []string{"pg_isready"} }, "templates.postgres.healthcheck.test", "CMD, CMD-SHELL or NONE"},
		{"healthcheck empty", func(t *Template) { t.Healthcheck.Test = nil }, "templates.postgres.healthcheck.test", "required"},
		{"healthcheck CMD alone", func(t *Template) { t.Healthcheck.Test = []string{"CMD"} }, "templates.postgres.healthcheck.test", "needs a command"},
		{"negative interval", func(t *Template) { t.Healthcheck.Interval = -1 }, "templates.postgres.healthcheck.interval", "negative"},
		{"negative retries", func(t *Template) { t.Healthcheck.Retries = -1 }, "templates.postgres.healthcheck.retries", "negative"},
		{"relative file target", func(t *Template) { t.Files[0].Target = "etc/x" }, "templates.postgres.files[0].target", "absolute"},
		{"unclean file target", func(t *Template) { t.Files[0].Target = "/etc/../x" }, "templates.postgres.files[0].target", "clean"},
		{"file mode", func(t *Template) { t.Files[0].Mode = 0o1777 }, "templates.postgres.files[0].mode", "0777"},
		{"duplicate file target", func(t *Template) { t.Files = append(t.Files, t.Files[0]) }, "templates.postgres.files[1].target", "duplicate"},
		{"file target inside another file", func(t *Template) {
			t.Files = append(t.Files, ConfigFile{Target: "/etc/postgresql/extra.conf/more", Content: "x"})
		}, "templates.postgres.files[1].target", `inside "/etc/postgresql/extra.conf"`},
		{"file target holding another file", func(t *Template) {
			t.Files = append(t.Files, ConfigFile{Target: "/etc/postgresql", Content: "x"})
		}, "templates.postgres.files[1].target", `holds "/etc/postgresql/extra.conf"`},
		{"file target element too long", func(t *Template) { t.Files[0].Target = "/etc/" + strings.Repeat("a", 256) }, "templates.postgres.files[0].target", "255 bytes"},
		{"file target too long", func(t *Template) { t.Files[0].Target = strings.Repeat("/abcdefgh", 114) }, "templates.postgres.files[0].target", "1 KiB"},
		{"domain", func(t *Template) { t.Domains = []string{"Bad_Domain"} }, "templates.postgres.domains[0]", "DNS name"},
		{"export name", func(t *Template) { t.Exports[0].Name = "" }, "templates.postgres.exports[0].name", "contract name"},
		{"duplicate export", func(t *Template) { t.Exports = append(t.Exports, t.Exports[0]) }, "templates.postgres.exports[1].name", "duplicate"},
		{"export type", func(t *Template) { t.Exports[0].Type = "postgresql" }, "templates.postgres.exports[0].type", "unknown contract type"},
		{"export port range", func(t *Template) { t.Exports[0].Port = 0 }, "templates.postgres.exports[0].port", "1-65535"},
		{"export port not listed", func(t *Template) { t.Exports[0].Port = 5433 }, "templates.postgres.exports[0].port", "not one of the container ports"},
		{"export env parse", func(t *Template) { t.Exports[0].Env["X"] = "{{.Host" }, "templates.postgres.exports[0].env.X", "not a valid template"},
		{"export env field", func(t *Template) { t.Exports[0].Env["X"] = "{{.Hots}}" }, "templates.postgres.exports[0].env.X", "does not render"},
		{"export env missing key", func(t *Template) { t.Exports[0].Env["X"] = "{{.Env.NOPE}}" }, "templates.postgres.exports[0].env.X", "does not render"},
		{"import type", func(t *Template) { t.Imports[0].Type = "x-" }, "templates.postgres.imports[0].type", "unknown contract type"},
		{"duplicate import", func(t *Template) { t.Imports = append(t.Imports, t.Imports[0]) }, "templates.postgres.imports[1].name", "duplicate"},
		{"import prefix", func(t *Template) { t.Imports[0].Prefix = "cache_" }, "templates.postgres.imports[0].prefix", "^[A-Z_][A-Z0-9_]*$"},
		// Text fields: valid UTF-8 without NUL, and the value is never echoed.
		{"env value not UTF-8", func(t *Template) { t.Env["POSTGRES_PASSWORD"] = EnvVar{Value: "s3cr\xffet", Secret: true} },
			"templates.postgres.env.POSTGRES_PASSWORD", "value is not valid UTF-8 text"},
		{"env value NUL", func(t *Template) { t.Env["POSTGRES_PASSWORD"] = EnvVar{Value: "s3cr\x00et"} },
			"templates.postgres.env.POSTGRES_PASSWORD", "value contains a NUL byte"},
		{"env value unicode", func(t *Template) { t.Env["GREETING"] = EnvVar{Value: "héllo ✓"} }, "", ""},
		{"label value not UTF-8", func(t *Template) { t.Labels["team"] = "c\xc3" }, "templates.postgres.labels.team", "value is not valid UTF-8 text"},
		{"label value NUL", func(t *Template) { t.Labels["team"] = "c\x00" }, "templates.postgres.labels.team", "value contains a NUL byte"},
		{"label key not UTF-8", func(t *Template) { t.Labels["te\xffam"] = "x" }, "templates.postgres.labels", "not valid UTF-8"},
		{"file content not UTF-8", func(t *Template) { t.Files[0].Content = "\x89PNG\r\n" },
			"templates.postgres.files[0]", "content is not valid UTF-8 text; config files are text (mount binary files with --volume)"},
		{"file content NUL", func(t *Template) { t.Files[0].Content = "a\x00b" }, "templates.postgres.files[0]", "content contains a NUL byte"},
		{"command NUL", func(t *Template) { t.Command = []string{"postgres", "-c\x00x"} }, "templates.postgres.command[1]", "argument contains a NUL byte"},
		{"entrypoint not UTF-8", func(t *Template) { t.Entrypoint = []string{"\xff"} }, "templates.postgres.entrypoint[0]", "argument is not valid UTF-8"},
		{"healthcheck NUL", func(t *Template) { t.Healthcheck.Test = []string{"CMD-SHELL", "x\x00"} }, "templates.postgres.healthcheck.test[1]", "NUL"},
		{"export env NUL", func(t *Template) { t.Exports[0].Env["X"] = "a\x00" }, "templates.postgres.exports[0].env.X", "value contains a NUL byte"},
		// user
		{"user name", func(t *Template) { t.User = "postgres" }, "", ""},
		{"user ids", func(t *Template) { t.User = "999:999" }, "", ""},
		{"user name and group", func(t *Template) { t.User = "www-data:www-data" }, "", ""},
		{"user with space", func(t *Template) { t.User = "a b" }, "templates.postgres.user", `"a b" is not a user: want USER or USER:GROUP`},
		{"user with tab", func(t *Template) { t.User = "a\tb" }, "templates.postgres.user", "not a user"},
		{"user empty group", func(t *Template) { t.User = "a:" }, "templates.postgres.user", "not a user"},
		{"user two colons", func(t *Template) { t.User = "a:b:c" }, "templates.postgres.user", "not a user"},
		{"user newline", func(t *Template) { t.User = "root\n" }, "templates.postgres.user", "not a user"},
		// a template may leave restart empty (the runtime default)
		{"no restart", func(t *Template) { t.Restart = "" }, "", ""},
		// one mount per container path
		{"file and volume at one target", func(t *Template) {
			t.Volumes = append(t.Volumes, Volume{Source: "/srv/extra.conf", Target: "/etc/postgresql/extra.conf"})
		}, "templates.postgres.files[0].target", `target "/etc/postgresql/extra.conf" is also mounted by templates.postgres.volumes[1]`},
		{"file under a mounted directory", func(t *Template) {
			t.Volumes = append(t.Volumes, Volume{Source: "etc", Target: "/etc/postgresql"})
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := validTemplate()
			tt.mutate(&tpl)
			err := ValidateTemplate(tpl)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid template refused: %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
			assertNoSecret(t, err)
		})
	}
}

// assertNoSecret fails if err quotes a value the tests treat as secret or
// binary.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{"s3cr", "\x00", "\xff", "PNG"} {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("error %q quotes the value (%q)", err, s)
		}
	}
}

func TestValidateTemplateCollectsAll(t *testing.T) {
	tpl := validTemplate()
	tpl.Image = "postgres"
	tpl.Ports[0].Container = 0
	tpl.Restart = "never"
	if fes := AsFieldErrors(ValidateTemplate(tpl)); len(fes) != 3 {
		t.Errorf("want 3 field errors, got %d: %v", len(fes), fes)
	}
}

// assertFieldError fails unless err holds a field error on field whose rule
// contains rule.
func assertFieldError(t *testing.T, err error, field, rule string) {
	t.Helper()
	fes := AsFieldErrors(err)
	if fes == nil {
		t.Fatalf("want a field error on %s (%s), got %v", field, rule, err)
	}
	for _, fe := range fes {
		if fe.Field == field && strings.Contains(fe.Rule, rule) {
			return
		}
	}
	t.Fatalf("want a field error on %s containing %q, got %v", field, rule, err)
}
