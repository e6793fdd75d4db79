package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// devfileSecret is a secret value that must survive a sealed round trip and
// never appear in a redacted export.
const devfileSecret = "rt-secret-4f1c7e"

// buildRoundTripStack creates stack rt in h: a user template, built-in and
// user instances with overrides, a secret, a config file and a wire.
func buildRoundTripStack(t *testing.T, h *home) {
	t.Helper()
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-db.yml"))
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-api.yml"))
	h.ok("stack", "create", "rt", "--description", "round trip", "--environment", "dev")
	h.ok("instance", "add", "rt", "db", "--template", "e2e-db")
	h.ok("instance", "add", "rt", "api", "--template", "e2e-api")
	h.ok("instance", "add", "rt", "cache", "--template", "redis")
	h.ok("instance", "set", "rt", "db", "--secret-env", "POSTGRES_PASSWORD="+devfileSecret, "--env", "POSTGRES_DB=shop")
	h.ok("instance", "set", "rt", "api", "--port", "127.0.0.1:18581:8080", "--label", "team=web", "--env", "LOG_LEVEL=debug")
	conf := filepath.Join(t.TempDir(), "api.conf")
	if err := os.WriteFile(conf, []byte("workers = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("instance", "set", "rt", "api", "--file", "/etc/api/api.conf=@"+conf)
	h.ok("instance", "set", "rt", "cache", "--disable")
	h.ok("wire", "rt", "api.db", "db")
}

// TestExportImportRoundTrip exports a stack, imports it into a fresh home
// and exports again: the files are byte-identical and the generated compose
// projects equal, for redacted (with --set-secret) and plaintext secrets.
func TestExportImportRoundTrip(t *testing.T) {
	src := newHome(t)
	buildRoundTripStack(t, src)
	wantConfig := config(src, "rt")

	redacted := src.ok("export", "rt")
	if !strings.HasPrefix(redacted, "version: 1\n") {
		t.Fatalf("export must start with the version:\n%s", redacted)
	}
	if strings.Contains(redacted, devfileSecret) {
		t.Fatalf("a default export contains the secret:\n%s", redacted)
	}
	for _, want := range []string{"[REDACTED]", "e2e-db:", "e2e-api:", "consumer: api", "127.0.0.1:18581:8080", "enabled: false"} {
		if !strings.Contains(redacted, want) {
			t.Errorf("export lacks %q:\n%s", want, redacted)
		}
	}
	if again := src.ok("export", "rt"); again != redacted {
		t.Errorf("two exports of the same stack differ:\n%s\n---\n%s", redacted, again)
	}
	// Effective values stay out: the template's healthcheck is not copied into instances.
	if strings.Count(redacted, "healthcheck:") != 2 {
		t.Errorf("export should carry healthchecks only in the two user templates:\n%s", redacted)
	}

	t.Run("redacted with --set-secret", func(t *testing.T) {
		file := writeTemp(t, "rt.yml", redacted)
		dst := newHome(t)
		r := dst.fails(1, "import", file)
		if !strings.Contains(r.Stderr, "instances.db.env.POSTGRES_PASSWORD") || !strings.Contains(r.Stderr, "--set-secret db.POSTGRES_PASSWORD=-") {
			t.Errorf("a redacted secret without a value: want the path and the --set-secret hint, got:\n%s", r.Stderr)
		}
		if out := dst.ok("stack", "ls"); strings.Contains(out, "rt") {
			t.Fatalf("a refused import stored the stack:\n%s", out)
		}
		dst.ok("import", file, "--set-secret", "db.POSTGRES_PASSWORD="+devfileSecret,
			"--set-secret", "templates.e2e-db.env.POSTGRES_PASSWORD=e2e-default-password")
		if got := dst.ok("export", "rt"); got != redacted {
			t.Errorf("export after import differs from the original:\n%s\n---\n%s", redacted, got)
		}
		if got := config(dst, "rt"); got != wantConfig {
			t.Errorf("imported stack generates a different compose project:\n%s\n---\n%s", wantConfig, got)
		}
	})

	t.Run("plaintext", func(t *testing.T) {
		plain := src.ok("export", "rt", "--include-secrets")
		if !strings.Contains(plain, devfileSecret) {
			t.Fatalf("--include-secrets should write the secret")
		}
		dst := newHome(t)
		dst.ok("import", writeTemp(t, "rt.yml", plain))
		if got := dst.ok("export", "rt", "--include-secrets"); got != plain {
			t.Errorf("plaintext round trip differs:\n%s\n---\n%s", plain, got)
		}
		if got := config(dst, "rt"); got != wantConfig {
			t.Errorf("imported stack generates a different compose project")
		}
	})
}

// TestSealedExport seals secrets with a passphrase: the file holds no
// plaintext, is private, restores the secret with the right passphrase, and
// a wrong passphrase is an error that stores nothing.
func TestSealedExport(t *testing.T) {
	src := newHome(t)
	buildRoundTripStack(t, src)
	wantConfig := config(src, "rt")
	pass := writeTemp(t, "pass", "correct horse battery staple\n")
	out := filepath.Join(t.TempDir(), "devarch.yml")
	src.ok("export", "rt", "-o", out, "--passphrase-file", pass)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), devfileSecret) || strings.Contains(string(b), "[REDACTED]") {
		t.Fatalf("a sealed export must hold the secret sealed, neither plain nor redacted:\n%s", b)
	}
	if !strings.Contains(string(b), "argon2id") {
		t.Errorf("a sealed export should name its KDF:\n%s", b)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("an export holding secrets has mode %v; want 0600", fi.Mode().Perm())
	}

	dst := newHome(t)
	wrong := writeTemp(t, "wrong", "not the passphrase\n")
	r := dst.fails(1, "import", out, "--passphrase-file", wrong)
	if !strings.Contains(r.Stderr, "passphrase") {
		t.Errorf("wrong passphrase: want an error naming the passphrase, got:\n%s", r.Stderr)
	}
	if ls := dst.ok("stack", "ls"); strings.Contains(ls, "rt") {
		t.Fatalf("an import with a wrong passphrase stored the stack:\n%s", ls)
	}
	r = dst.fails(1, "import", out)
	if !strings.Contains(r.Stderr, "passphrase") {
		t.Errorf("sealed file without a passphrase: want a passphrase error, got:\n%s", r.Stderr)
	}
	// DEVARCH_PASSPHRASE works as well as the file.
	dst.env = append(dst.env, "DEVARCH_PASSPHRASE=correct horse battery staple")
	dst.ok("import", out)
	if got := config(dst, "rt"); got != wantConfig {
		t.Errorf("sealed import restores a different stack:\n%s\n---\n%s", wantConfig, got)
	}
	r = src.fails(1, "export", "rt", "--passphrase-file", pass, "--include-secrets")
	if !strings.Contains(r.Stderr, "--include-secrets") {
		t.Errorf("both secret modes: want a clear refusal, got:\n%s", r.Stderr)
	}
}

// TestImportRefusals checks that bad files are refused whole, with the YAML
// path and line, and leave the home unchanged.
func TestImportRefusals(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "keep")
	before := h.ok("stack", "ls", "--json")
	cases := []struct {
		name, content string
		want          []string
	}{
		{"newer version", "version: 99\nstack: {name: a}\n", []string{"version", "99", "1"}},
		{"unknown key", "version: 1\nstack: {name: a}\ncolour: red\n", []string{"colour", "line 3"}},
		{"bad port", "version: 1\nstack: {name: a}\ninstances:\n  api:\n    template: redis\n    ports: [\"6379\", \"99999:6379\"]\n", []string{"instances.api.ports[1]", "65535"}},
		{"unknown template", "version: 1\nstack: {name: a}\ninstances:\n  x:\n    template: nope\n", []string{"instances.x.template", "nope"}},
		{"anchor bomb", "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nstack: {name: a}\n", []string{"anchor"}},
		{"half good", "version: 1\nstack: {name: half}\ninstances:\n  ok:\n    template: redis\n  bad:\n    template: redis\n    ports: [\"x\"]\n", []string{"instances.bad.ports[0]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.fails(1, "import", writeTemp(t, "in.yml", tc.content))
			for _, w := range tc.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.Stderr)
				}
			}
		})
	}
	big := writeTemp(t, "big.yml", "version: 1\n#"+strings.Repeat("x", 2<<20)+"\n")
	if r := h.fails(1, "import", big); !strings.Contains(r.Stderr, "limit") {
		t.Errorf("oversized file: want the size limit, got:\n%s", r.Stderr)
	}
	if after := h.ok("stack", "ls", "--json"); after != before {
		t.Errorf("refused imports changed the stacks:\n%s\n---\n%s", before, after)
	}
}

// TestImportCompose brings an existing docker-compose.yml in as a stack.
func TestImportCompose(t *testing.T) {
	h := newHome(t)
	file := filepath.Join("testdata", "compose", "shop", "docker-compose.yml")
	out := h.ok("import-compose", file)
	if !strings.Contains(out, `"shop"`) {
		t.Errorf("the stack should take the compose project's name:\n%s", out)
	}
	var insts []struct{ Name, Template string }
	h.json(&insts, "instance", "ls", "shop")
	got := map[string]string{}
	for _, i := range insts {
		got[i.Name] = i.Template
	}
	// Each service has a template of its own holding only the file's settings.
	if got["db"] != "shop-db" || got["cache"] != "shop-cache" || got["web"] != "shop-web" {
		t.Fatalf("instances = %v; want each from a template of its own", got)
	}
	cfg := h.ok("config", "shop", "--show-secrets")
	abs, _ := filepath.Abs(filepath.Join("testdata", "compose", "shop", "static"))
	for _, want := range []string{
		"container_name: devarch-shop-web", "devarch-shop-net", "127.0.0.1", "18480",
		abs, "service_healthy", "/testprog", "POSTGRES_DB: app",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config of the imported stack lacks %q:\n%s", want, cfg)
		}
	}
	// The same file again over the stack it made changes nothing.
	if again := h.ok("import-compose", file); !strings.Contains(again, `Stack "shop" already matches the file`) {
		t.Errorf("a second import of the same file: want it to say nothing changes, got:\n%s", again)
	}
	h.ok("import-compose", file, "--stack", "shop2")
}

// TestImportComposeEnvironmentAndWarnings: variables come from the process
// environment over the .env file; what is not carried over is a warning
// naming the service and key; inactive profiles and network_mode host are
// imported disabled; the catalog image keeps the compose tag.
func TestImportComposeEnvironmentAndWarnings(t *testing.T) {
	file := filepath.Join("testdata", "compose", "envshop", "docker-compose.yml")
	h := newHome(t)
	h.env = append(h.env, "DB_PASSWORD=from-process-Env-31", "MODE=", "PROJECT=")
	r := h.run("import-compose", file)
	if r.Code != 0 {
		t.Fatalf("import-compose: %s", r)
	}
	for _, want := range []string{
		"devarch: warning: services.web.networks: front not carried over",
		"aliases www are lost",
		"devarch: warning: services.debug.profiles:",
		"devarch: warning: services.sniffer.network_mode: \"host\"",
		"devarch: warning: volumes.scratch.driver_opts: not carried over",
		"devarch: warning: networks: front not carried over",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "variable MODE") {
		t.Errorf("MODE is set (empty): no warning expected:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr+r.Stdout, "from-process-Env-31") {
		t.Errorf("the output shows a secret value:\n%s", r)
	}
	var insts []struct {
		Name, Template string
		Enabled        bool
	}
	h.json(&insts, "instance", "ls", "envshop")
	enabled := map[string]bool{}
	for _, i := range insts {
		enabled[i.Name] = i.Enabled
	}
	if !enabled["web"] || !enabled["cache"] || enabled["debug"] || enabled["sniffer"] {
		t.Errorf("enabled = %v; want web and cache only", enabled)
	}
	cfg := h.ok("config", "envshop", "--show-secrets")
	for _, want := range []string{
		"18490", "DB_PASSWORD: from-process-Env-31", "NET_ADMIN", "working_dir: /srv", "stop_grace_period: 20s",
		"legacy.local", "/run/cache", "docker.io/library/redis:latest", "target: /run/secrets/api_key",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if log := readFile(t, filepath.Join(h.Dir, "daemon.log")); !strings.Contains(log, "compose file imported") || strings.Contains(log, "from-process-Env-31") {
		t.Errorf("the daemon log should record the import, never a value of the environment:\n%s", log)
	}

	// Without the process variable the .env value is used; a profile can be activated.
	h2 := newHome(t)
	h2.env = append(h2.env, "MODE=dev", "COMPOSE_PROFILES=debug")
	h2.ok("import-compose", file, "--stack", "two")
	cfg = h2.ok("config", "two", "--show-secrets")
	if !strings.Contains(cfg, "DB_PASSWORD: from-dotenv") || !strings.Contains(cfg, "debug:") {
		t.Errorf("config should use .env and enable the debug profile:\n%s", cfg)
	}

	// A required variable that is set nowhere is an error naming it.
	h3 := newHome(t)
	noEnv := writeTemp(t, "docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:?export PG_PASS}\n")
	r = h3.fails(1, "import-compose", noEnv, "--stack", "req")
	if !strings.Contains(r.Stderr, "services.db.environment.POSTGRES_PASSWORD (line 5)") || !strings.Contains(r.Stderr, "PG_PASS") {
		t.Errorf("want the variable and its place named:\n%s", r.Stderr)
	}
}

// TestImportComposeErrorsNameComposePaths: a host port clash is reported
// at the compose service and key, with the compose file's line.
func TestImportComposeErrorsNameComposePaths(t *testing.T) {
	h := newHome(t)
	file := writeTemp(t, "docker-compose.yml", "services:\n  one:\n    image: ghcr.io/acme/one:1\n    ports:\n      - \"18555:80\"\n  two:\n    image: ghcr.io/acme/two:1\n    ports:\n      - \"18555:80\"\n")
	r := h.fails(1, "import-compose", file, "--stack", "clash")
	if !strings.Contains(r.Stderr, "services.two.ports[0] (line 9)") || strings.Contains(r.Stderr, "instances.") {
		t.Errorf("want the compose path and line:\n%s", r.Stderr)
	}
}

// TestImportRedactedIntoHomeWithTemplate re-imports a redacted export into
// a home that has the user templates already: only the instance secret is
// asked for, here from stdin and from a file.
func TestImportRedactedIntoHomeWithTemplate(t *testing.T) {
	src := newHome(t)
	buildRoundTripStack(t, src)
	redacted := src.ok("export", "rt")
	file := writeTemp(t, "rt.yml", redacted)

	dst := newHome(t)
	dst.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-db.yml"))
	dst.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-api.yml"))
	r := dst.fails(1, "import", file)
	if strings.Contains(r.Stderr, "templates.e2e-db") || !strings.Contains(r.Stderr, "instances.db.env.POSTGRES_PASSWORD") {
		t.Errorf("only the instance secret should be asked for:\n%s", r.Stderr)
	}
	r = dst.runIn(devfileSecret+"\n", "import", file, "--set-secret", "db.POSTGRES_PASSWORD=-")
	if r.Code != 0 {
		t.Fatalf("import with the secret on stdin: %s", r)
	}
	if got := dst.ok("export", "rt"); got != redacted {
		t.Errorf("export after import differs:\n%s\n---\n%s", redacted, got)
	}
	if got, want := config(dst, "rt"), config(src, "rt"); got != want {
		t.Errorf("imported stack generates a different compose project:\n%s\n---\n%s", want, got)
	}

	// From a file, into another home; and not both the file and a secret on stdin.
	other := newHome(t)
	pw := writeTemp(t, "pw", devfileSecret+"\n")
	r = other.runIn(redacted, "import", "-", "--set-secret", "db.POSTGRES_PASSWORD=-")
	if r.Code != 1 || !strings.Contains(r.Stderr, "stdin") {
		t.Errorf("file and secret both on stdin: %s", r)
	}
	other.ok("import", file, "--set-secret", "db.POSTGRES_PASSWORD=@"+pw,
		"--set-secret", "templates.e2e-db.env.POSTGRES_PASSWORD=e2e-default-password")
	if got, want := config(other, "rt"), config(src, "rt"); got != want {
		t.Errorf("import with the secret from a file differs:\n%s\n---\n%s", want, got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineageLabel matches the lineage label of a generated project. A stack's
// lineage names its own history, so an imported copy gets a new one; every
// other byte of the project must be equal.
var lineageLabel = regexp.MustCompile(`devarch\.lineage: [0-9a-f]+`)

// config is the stack's compose project with secrets, its lineage and
// home directory (where config files are materialized) masked.
func config(h *home, stack string) string {
	h.t.Helper()
	out := strings.ReplaceAll(h.ok("config", stack, "--show-secrets"), h.Dir, "$DEVARCH_HOME")
	return lineageLabel.ReplaceAllString(out, "devarch.lineage: LINEAGE")
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
