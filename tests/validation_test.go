package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputIsRefused runs every kind of bad input through the CLI: each
// must exit 1 with `devarch: error:` naming the field and the rule, and must
// leave the stored stack exactly as it was.
func TestBadInputIsRefused(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "v")
	h.ok("instance", "add", "v", "db", "--template", "postgres")
	h.ok("instance", "add", "v", "cache", "--template", "redis")
	h.ok("instance", "set", "v", "db", "--port", "127.0.0.1:5433:5432")
	local := filepath.Join(t.TempDir(), "app.conf")
	if err := os.WriteFile(local, []byte("x=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a", 60)

	cases := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"stack name not a DNS label", []string{"stack", "create", "Bad_Name"}, []string{"name", "[a-z0-9]"}},
		{"stack exists", []string{"stack", "create", "v"}, []string{"already exists"}},
		{"instance name not a DNS label", []string{"instance", "add", "v", "-db", "--template", "redis"}, []string{"name"}},
		{"container name too long", []string{"instance", "add", "v", long, "--template", "redis"}, []string{"63"}},
		{"duplicate instance", []string{"instance", "add", "v", "db", "--template", "redis"}, []string{"db", "already has an instance"}},
		{"unknown template", []string{"instance", "add", "v", "x", "--template", "nope"}, []string{"template", "nope"}},
		{"port out of range", []string{"instance", "set", "v", "cache", "--port", "70000:6379"}, []string{"port", "65535"}},
		{"port zero container", []string{"instance", "set", "v", "cache", "--port", "6380:0"}, []string{"port", "65535"}},
		{"port not a number", []string{"instance", "set", "v", "cache", "--port", "abc"}, []string{"port"}},
		{"host port taken in stack", []string{"instance", "set", "v", "cache", "--port", "127.0.0.1:5433:6379"}, []string{"5433", "db"}},
		{"relative file target", []string{"instance", "set", "v", "cache", "--file", "etc/app.conf=@" + local}, []string{"absolute"}},
		{"unclean file target", []string{"instance", "set", "v", "cache", "--file", "/etc/../app.conf=@" + local}, []string{"clean"}},
		{"volume target relative", []string{"instance", "set", "v", "cache", "--volume", "data:relative"}, []string{"volume", "absolute"}},
		{"bad restart", []string{"instance", "set", "v", "cache", "--restart", "sometimes"}, []string{"restart"}},
		{"unknown instance", []string{"instance", "set", "v", "ghost", "--env", "A=1"}, []string{"ghost"}},
		{"unknown stack", []string{"instance", "ls", "ghoststack"}, []string{"ghoststack"}},
		{"reset unknown field", []string{"instance", "reset", "v", "db", "colour"}, []string{"colour"}},
		{"rename onto existing", []string{"instance", "rename", "v", "db", "cache"}, []string{"cache", "already has an instance"}},
	}
	before := h.ok("stack", "show", "v", "--json")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.run(tc.args...)
			if r.Code != 1 {
				t.Fatalf("want exit 1, got %s", r)
			}
			if !strings.HasPrefix(r.Stderr, "devarch: error: ") {
				t.Errorf("stderr should start with `devarch: error: `:\n%s", r.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.Stderr)
				}
			}
			if after := h.ok("stack", "show", "v", "--json"); after != before {
				t.Errorf("the stack changed after a refused command:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestInstanceLifecycle walks the instance commands and checks the effective
// config follows the merge rules.
func TestInstanceLifecycle(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "life", "--description", "d", "--environment", "dev")
	h.ok("instance", "add", "life", "db", "--template", "postgres")
	h.ok("instance", "set", "life", "db", "--tag", "15", "--env", "EXTRA=1", "--label", "team=core",
		"--port", "127.0.0.1:6543:5432", "--healthcheck-interval", "3s")

	var view struct {
		Effective struct {
			Image       string
			Env         map[string]struct{ Value string }
			Labels      map[string]string
			Ports       []struct{ Host, Container int }
			Healthcheck *struct {
				Test     []string
				Interval string
			}
		}
	}
	h.json(&view, "instance", "show", "life", "db", "--effective")
	e := view.Effective
	if !strings.HasSuffix(e.Image, ":15") {
		t.Errorf("image = %q; want the tag override :15", e.Image)
	}
	if e.Env["EXTRA"].Value != "1" || e.Env["POSTGRES_USER"].Value == "" {
		t.Errorf("env should merge template and instance keys: %+v", e.Env)
	}
	if e.Labels["team"] != "core" {
		t.Errorf("labels = %v", e.Labels)
	}
	if len(e.Ports) != 1 || e.Ports[0].Host != 6543 || e.Ports[0].Container != 5432 {
		t.Errorf("ports = %+v; an instance's ports replace the template's", e.Ports)
	}
	if e.Healthcheck == nil || len(e.Healthcheck.Test) == 0 || e.Healthcheck.Interval != "3s" {
		t.Errorf("healthcheck = %+v; want the template's test with the new interval", e.Healthcheck)
	}

	// The copy would publish the same host port: refused, and nothing is stored.
	r := h.fails(1, "instance", "duplicate", "life", "db", "db2")
	if !strings.Contains(r.Stderr, "instances.db2.ports[0]") || !strings.Contains(r.Stderr, "same host IP:port") {
		t.Errorf("duplicate with a fixed host port: want the port rule, got:\n%s", r.Stderr)
	}
	var before []struct{ Name string }
	h.json(&before, "instance", "ls", "life")
	if len(before) != 1 {
		t.Errorf("a refused duplicate stored something: %+v", before)
	}
	h.ok("instance", "reset", "life", "db", "ports")
	h.ok("instance", "duplicate", "life", "db", "db2")
	var dup struct {
		Instance struct{ Overrides struct{ Tag *string } }
	}
	h.json(&dup, "instance", "show", "life", "db2")
	if dup.Instance.Overrides.Tag == nil || *dup.Instance.Overrides.Tag != "15" {
		t.Errorf("duplicate should copy the overrides: %+v", dup)
	}
	h.ok("instance", "reset", "life", "db", "tag")
	h.json(&view, "instance", "show", "life", "db", "--effective")
	if strings.HasSuffix(view.Effective.Image, ":15") {
		t.Errorf("reset tag should bring back the template's image, got %q", view.Effective.Image)
	}
	h.ok("instance", "rename", "life", "db2", "db3")
	h.ok("instance", "rm", "life", "db3")
	var insts []struct{ Name string }
	h.json(&insts, "instance", "ls", "life")
	if len(insts) != 1 || insts[0].Name != "db" {
		t.Errorf("instances = %+v", insts)
	}
	h.ok("stack", "rm", "life")
	h.fails(1, "stack", "show", "life")
}

// TestKeepExportsAfterImageOverride overrides a provider's image with
// another repository: wiring refuses until the instance declares that the
// new image speaks the template's contracts, and from then on it follows
// the template's exports (read from the template, never copied).
func TestKeepExportsAfterImageOverride(t *testing.T) {
	h := newHome(t)
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-db.yml"))
	h.ok("template", "add", "-f", filepath.Join("testdata", "templates", "e2e-api.yml"))
	h.ok("stack", "create", "ke")
	h.ok("instance", "add", "ke", "db", "--template", "e2e-db")
	h.ok("instance", "add", "ke", "api", "--template", "e2e-api")
	h.ok("config", "ke")

	set := h.run("instance", "set", "ke", "db", "--image", "ghcr.io/example/pg-fork:16")
	if set.Code != 0 || !strings.Contains(set.Stderr, "devarch: warning") || !strings.Contains(set.Stderr, "api cannot be wired to db") {
		t.Errorf("an image override that strands a consumer should be stored with a warning naming it:\n%s", set)
	}
	r := h.fails(1, "config", "ke")
	if !strings.Contains(r.Stderr, "without redeclaring its exports") || !strings.Contains(r.Stderr, "--keep-exports") {
		t.Errorf("another image without exports: want the wiring error and the --keep-exports hint, got:\n%s", r.Stderr)
	}
	h.ok("instance", "set", "ke", "db", "--keep-exports")
	var view struct {
		Instance struct {
			Overrides struct {
				KeepExports bool `json:"keep_exports"`
				Exports     []struct{ Name string }
			}
		}
	}
	h.json(&view, "instance", "show", "ke", "db")
	if o := view.Instance.Overrides; !o.KeepExports || o.Exports != nil {
		t.Errorf("--keep-exports should store the flag, not a copy of the exports: %+v", o)
	}
	if out := h.ok("config", "ke"); !strings.Contains(out, "ghcr.io/example/pg-fork:16") || !strings.Contains(out, "DB_HOST: devarch-ke-db") {
		t.Errorf("config after --keep-exports:\n%s", out)
	}

	// A later change to the template's exports reaches the instance.
	tpl, err := os.ReadFile(filepath.Join("testdata", "templates", "e2e-db.yml"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(tpl), `DB_PORT: "{{.Port}}"`, "DB_PORT: \"{{.Port}}\"\n      DB_NAME: \"{{.Env.POSTGRES_DB}}\"", 1)
	h.ok("template", "add", "--replace", "-f", writeTemp(t, "e2e-db.yml", changed))
	if out := h.ok("config", "ke"); !strings.Contains(out, "DB_NAME: app") {
		t.Errorf("the template's new export env should reach the consumer:\n%s", out)
	}
	h.ok("instance", "reset", "ke", "db", "exports")
	h.fails(1, "config", "ke")
}

// TestRenameThenReuseName renames an instance, which keeps its data volume,
// then adds a new instance under the old name: refused while it would
// inherit that volume, accepted with a volume of its own.
func TestRenameThenReuseName(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "rn")
	h.ok("instance", "add", "rn", "pg", "--template", "postgres")
	if out := h.ok("instance", "rename", "rn", "pg", "pg2"); !strings.Contains(out, "pg-postgres-data") {
		t.Errorf("rename should say which volume it kept:\n%s", out)
	}
	r := h.fails(1, "instance", "add", "rn", "pg", "--template", "postgres")
	if !strings.Contains(r.Stderr, "pg-postgres-data") || !strings.Contains(r.Stderr, "pg2") {
		t.Errorf("adding the old name should be refused naming the shared volume:\n%s", r.Stderr)
	}
	h.ok("instance", "add", "rn", "pg", "--template", "postgres", "--volume", "pg-v2-data:/var/lib/postgresql/data")
	cfg := h.ok("config", "rn")
	if !strings.Contains(cfg, "pg-v2-data") || !strings.Contains(cfg, "pg-postgres-data") {
		t.Errorf("each instance should mount its own volume:\n%s", cfg)
	}
	h.fails(1, "instance", "add", "rn", "pg3", "--template", "postgres", "--volume", "x:/d", "--no-volumes")
}
