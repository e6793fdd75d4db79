package apply

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func desiredWithFiles(files ...core.ConfigFile) core.Desired {
	return core.Desired{Stack: "s", Services: []core.WiredService{
		{Service: core.Service{Instance: "web", Enabled: true, Files: files}},
		{Service: core.Service{Instance: "off", Enabled: false, Files: []core.ConfigFile{{Target: "/x", Content: "x"}}}},
	}}
}

func TestMaterializeWritesModesAndReplacesAtomically(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "stacks")
	dir := filepath.Join(parent, "s")
	first := desiredWithFiles(
		core.ConfigFile{Target: "/etc/app/app.conf", Content: "a=1\n"},
		core.ConfigFile{Target: "/etc/app/key.pem", Content: "KEY", Sensitive: true, Mode: 0o644},
		core.ConfigFile{Target: "/run/script.sh", Content: "#!/bin/sh\n", Mode: 0o755},
	)
	if err := materialize(dir, first); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		content string
		mode    fs.FileMode
	}{
		{"web/etc/app/app.conf", "a=1\n", 0o644},
		{"web/etc/app/key.pem", "KEY", 0o600},
		{"web/run/script.sh", "#!/bin/sh\n", 0o755},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := filepath.Join(dir, tt.path)
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != tt.mode {
				t.Errorf("mode = %o, want %o", info.Mode().Perm(), tt.mode)
			}
			if b, _ := os.ReadFile(p); string(b) != tt.content {
				t.Errorf("content = %q, want %q", b, tt.content)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "off")); !os.IsNotExist(err) {
		t.Errorf("disabled instance's files written: %v", err)
	}

	// A second set replaces the first entirely: no file of the first stays.
	second := desiredWithFiles(core.ConfigFile{Target: "/etc/app/app.conf", Content: "a=2\n"})
	if err := materialize(dir, second); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "web/etc/app/app.conf")); string(b) != "a=2\n" {
		t.Errorf("content after rewrite = %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "web/etc/app/key.pem")); !os.IsNotExist(err) {
		t.Errorf("file of the previous set kept: %v", err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "s" {
		t.Errorf("stacks dir holds %v, want only s", entries)
	}
}

func TestMaterializeRefusesEscapingTargetAndKeepsOldSet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stacks", "s")
	if err := materialize(dir, desiredWithFiles(core.ConfigFile{Target: "/ok.conf", Content: "ok"})); err != nil {
		t.Fatal(err)
	}
	tests := []string{"/../../etc/passwd", "/", "/a/../b"}
	for _, target := range tests {
		t.Run(target, func(t *testing.T) {
			err := materialize(dir, desiredWithFiles(core.ConfigFile{Target: target, Content: "bad"}))
			if err == nil || !strings.Contains(err.Error(), "instance web") || !strings.Contains(err.Error(), "without \"..\"") {
				t.Fatalf("err = %v, want a refusal naming the instance and the rule", err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "web/ok.conf")); string(b) != "ok" {
				t.Errorf("previous set damaged: %q", b)
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".*"))
			if len(leftovers) != 0 {
				t.Errorf("temporary dirs left: %v", leftovers)
			}
		})
	}
}

func TestMaterializeRemovesOwnLeftoversOnly(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "stacks")
	mine := filepath.Join(parent, ".tmp-s-0123456789ab")
	old := filepath.Join(parent, ".old-s-ba9876543210")
	other := filepath.Join(parent, ".tmp-s-x-0123456789ab")
	for _, d := range []string{mine, old, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := materialize(filepath.Join(parent, "s"), desiredWithFiles()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{mine, old} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("leftover %s kept: %v", filepath.Base(d), err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another stack's temporary dir removed: %v", err)
	}
}

func TestMaterializeHandsSensitiveFilesToNumericUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	for _, tc := range []struct {
		user     string
		uid, gid int
	}{
		{"1000:1001", 1000, 1001},
		{"999", 999, 0},
		{"postgres", 0, 0}, // a name cannot be resolved outside the image
		{"", 0, 0},
	} {
		t.Run("user "+tc.user, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "stacks", "s")
			d := desiredWithFiles(
				core.ConfigFile{Target: "/etc/key.pem", Content: "KEY", Sensitive: true},
				core.ConfigFile{Target: "/etc/app.conf", Content: "a=1"},
			)
			d.Services[0].User = tc.user
			if err := materialize(dir, d); err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(filepath.Join(dir, "web/etc/key.pem"), &st); err != nil {
				t.Fatal(err)
			}
			if int(st.Uid) != tc.uid || int(st.Gid) != tc.gid {
				t.Errorf("key.pem owned by %d:%d, want %d:%d", st.Uid, st.Gid, tc.uid, tc.gid)
			}
			if err := syscall.Stat(filepath.Join(dir, "web/etc/app.conf"), &st); err != nil || st.Uid != 0 {
				t.Errorf("a plain file must stay the daemon's (0644 is readable anyway): uid %d, %v", st.Uid, err)
			}
		})
	}
}

func TestRemoveComposeLeftovers(t *testing.T) {
	stacks := filepath.Join(t.TempDir(), "stacks")
	left := filepath.Join(stacks, "shop", ".devarch-compose-123.yml")
	keep := filepath.Join(stacks, "shop", "api", "etc", "app.yml")
	for _, p := range []string{left, keep} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveComposeLeftovers(stacks)
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("a leftover compose file survived: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a config file was removed: %v", err)
	}
}

// A scoped job writes only its instances' directories: another
// instance's files, which a concurrent apply owns, are left as they are;
// an instance that no longer has files loses its directory.
func TestMaterializeInstances(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stacks", "s")
	svc := func(inst, content string, enabled bool) core.WiredService {
		return core.WiredService{Service: core.Service{Instance: inst, Enabled: enabled,
			Files: []core.ConfigFile{{Target: "/etc/app.conf", Content: content}}}}
	}
	if err := materialize(dir, core.Desired{Stack: "s", Services: []core.WiredService{svc("api", "api-1", true), svc("web", "web-1", true), svc("db", "db-1", true)}}); err != nil {
		t.Fatal(err)
	}
	next := core.Desired{Stack: "s", Services: []core.WiredService{svc("api", "api-2", true), svc("web", "web-stale", true), svc("db", "db-2", false)}}
	if err := materializeInstances(dir, next, []string{"api", "db"}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"api/etc/app.conf": "api-2", "web/etc/app.conf": "web-1"} {
		if b, err := os.ReadFile(filepath.Join(dir, path)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", path, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "db")); !os.IsNotExist(err) {
		t.Errorf("the disabled instance's files stayed: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range entries {
		if e.Name() != "s" {
			t.Errorf("left %s next to the stack's directory", e.Name())
		}
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left %s in the stack's directory", e.Name())
		}
	}
}
