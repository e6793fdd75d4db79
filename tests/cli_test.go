package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

const (
	secretValue = "hunter2-sekrit-4711"
	plainMarker = "plainmarker-0x5eed"
	descMarker  = "zebra-description-9931"
)

// TestStoreSealsEverything creates a stack holding a secret and checks that
// neither the secret nor any other string of the stack appears in the
// database file, the daemon log or the CLI's output.
func TestStoreSealsEverything(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "zebrastack", "--description", descMarker, "--environment", "zebraenv")
	h.ok("instance", "add", "zebrastack", "zebradb", "--template", "postgres")
	h.ok("instance", "set", "zebrastack", "zebradb",
		"--secret-env", "POSTGRES_PASSWORD="+secretValue, "--env", "MARKER="+plainMarker)
	// A secret read from stdin never appears on a command line.
	if r := h.runIn("from-stdin-"+secretValue+"\n", "instance", "set", "zebrastack", "zebradb",
		"--secret-env", "API_TOKEN=-"); r.Code != 0 {
		t.Fatalf("secret from stdin: %s", r)
	}

	shown := h.ok("instance", "show", "zebrastack", "zebradb", "--effective")
	if strings.Contains(shown, secretValue) {
		t.Fatalf("instance show prints the secret:\n%s", shown)
	}
	if !strings.Contains(shown, core.Redacted) || !strings.Contains(shown, plainMarker) {
		t.Fatalf("instance show should print %s for secrets and plain values as they are:\n%s", core.Redacted, shown)
	}
	cfg := h.ok("config", "zebrastack")
	if strings.Contains(cfg, secretValue) {
		t.Fatalf("config prints the secret without --show-secrets")
	}
	if !strings.Contains(h.ok("config", "zebrastack", "--show-secrets"), secretValue) {
		t.Fatalf("config --show-secrets should print the secret")
	}
	h.ok("daemon", "stop")

	db, err := os.ReadFile(filepath.Join(h.Dir, "devarch.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secretValue, plainMarker, descMarker, "zebrastack", "zebradb", "zebraenv", "POSTGRES_PASSWORD", "postgres:16"} {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("devarch.db contains plaintext %q", s)
		}
	}
	logb, err := os.ReadFile(filepath.Join(h.Dir, "daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(logb, []byte(secretValue)) {
		t.Errorf("daemon.log contains the secret")
	}
	for _, f := range []string{"devarch.db", "secret.key", "daemon.log"} {
		fi, err := os.Stat(filepath.Join(h.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no group/other access", f, fi.Mode().Perm())
		}
	}
}

// TestSocketAndHomeModes checks the socket is 0600 in a 0700 home.
func TestSocketAndHomeModes(t *testing.T) {
	h := newHome(t)
	h.ok("daemon", "status")
	fi, err := os.Stat(filepath.Join(h.Dir, "devarch.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v; want a socket with 0600", fi.Mode())
	}
	di, err := os.Stat(h.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("home mode = %v; want 0700", di.Mode().Perm())
	}
}

// TestSecondDaemonRefused starts a second daemon on a home that has one.
func TestSecondDaemonRefused(t *testing.T) {
	h := newHome(t)
	h.ok("daemon", "status")
	r := h.run("daemon", "run")
	if r.Code == 0 {
		t.Fatalf("a second daemon started on the same home: %s", r)
	}
	if !strings.Contains(r.Stderr, "another devarch daemon is running") || !strings.Contains(r.Stderr, h.Dir) {
		t.Errorf("want a message naming the home and the running daemon, got:\n%s", r.Stderr)
	}
	h.ok("daemon", "status") // the first one is still there
}

// TestKeyFileChecks refuses a key readable by others and a wrong key, and
// changes nothing either way.
func TestKeyFileChecks(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "keep")
	h.ok("daemon", "stop")
	db := filepath.Join(h.Dir, "devarch.db")
	key := filepath.Join(h.Dir, "secret.key")
	before, _ := os.ReadFile(db)

	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.run("daemon", "run")
	if r.Code == 0 || !strings.Contains(r.Stderr, "secret.key") {
		t.Fatalf("a group/other-readable key was accepted: %s", r)
	}
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}

	good, _ := os.ReadFile(key)
	bad := bytes.Repeat([]byte{0x42}, len(good))
	if err := os.WriteFile(key, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.run("daemon", "run")
	if r.Code == 0 || !strings.Contains(strings.ToLower(r.Stderr), "key") {
		t.Fatalf("a wrong key was accepted: %s", r)
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(before, after) {
		t.Fatalf("a refused key changed the database")
	}
	if err := os.WriteFile(key, good, 0o600); err != nil {
		t.Fatal(err)
	}
	var stacks []struct{ Name string }
	h.json(&stacks, "stack", "ls")
	if len(stacks) != 1 || stacks[0].Name != "keep" {
		t.Fatalf("stacks after the right key is back = %+v", stacks)
	}
}

// TestKeyRotate re-seals everything under a new key; data survives.
func TestKeyRotate(t *testing.T) {
	h := newHome(t)
	h.ok("stack", "create", "rot")
	h.ok("instance", "add", "rot", "cache", "--template", "redis")
	old, _ := os.ReadFile(filepath.Join(h.Dir, "secret.key"))
	h.ok("key", "rotate")
	now, _ := os.ReadFile(filepath.Join(h.Dir, "secret.key"))
	if bytes.Equal(old, now) {
		t.Fatal("key rotate left the key unchanged")
	}
	h.ok("daemon", "stop")
	var insts []struct{ Name string }
	h.json(&insts, "instance", "ls", "rot")
	if len(insts) != 1 || insts[0].Name != "cache" {
		t.Fatalf("instances after rotation = %+v", insts)
	}
}

// TestPluginMetadata answers the docker CLI's plugin handshake.
func TestPluginMetadata(t *testing.T) {
	dir := t.TempDir()
	plugin := filepath.Join(dir, "docker-devarch")
	if err := os.Symlink(devarchBin, plugin); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(plugin, "docker-cli-plugin-metadata").Output()
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		SchemaVersion, Vendor, Version, ShortDescription string
	}
	if err := json.Unmarshal(out, &meta); err != nil {
		t.Fatalf("metadata is not JSON: %v\n%s", err, out)
	}
	if meta.SchemaVersion != "0.1.0" || meta.Vendor == "" || meta.Version == "" || meta.ShortDescription == "" {
		t.Fatalf("metadata = %+v", meta)
	}
}
