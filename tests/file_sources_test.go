package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planFileContents plans stack (as JSON) and returns the content the plan
// holds for each file of inst, by target.
func (h *home) planFileContents(stack, inst string) map[string]string {
	h.t.Helper()
	var p struct {
		Desired struct {
			Services []struct {
				Instance string
				Files    []struct{ Target, Content string }
			}
		}
	}
	out := h.ok("plan", stack, "--runtime", "docker", "--json")
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		h.t.Fatalf("plan --json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, s := range p.Desired.Services {
		if s.Instance == inst {
			for _, f := range s.Files {
				got[f.Target] = f.Content
			}
		}
	}
	return got
}

type storedFile struct {
	Content string `json:"content"`
	Source  string `json:"source"`
}

func (h *home) storedFiles(stack, inst string) map[string]storedFile {
	h.t.Helper()
	var view struct {
		Instance struct {
			Overrides struct {
				Files map[string]storedFile `json:"files"`
			} `json:"overrides"`
		} `json:"instance"`
	}
	h.json(&view, "instance", "show", stack, inst)
	return view.Instance.Overrides.Files
}

// TestConfigFilesFollowTheirSource: `instance set --file TARGET=@PATH`
// stores PATH made absolute; every plan reads it again (an edit shows in
// the plan, the stored copy stays as set); a sensitive file's content
// never appears; a missing PATH fails the plan naming the instance, the
// target and the path; --copy stores no source, and later edits are not
// followed.
func TestConfigFilesFollowTheirSource(t *testing.T) {
	h := newHome(t)
	fakeDocker(t, h)
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("app.conf", "level=1\n")
	write("pw", "pw-First-5150")
	write("copied.conf", "copy=1\n")
	h.ok("stack", "create", "follow")
	h.ok("instance", "add", "follow", "web", "--template", "redis")
	// A relative PATH, from the project's directory.
	if r := h.runAt(dir, nil, "instance", "set", "follow", "web", "--file", "/etc/app.conf=@app.conf"); r.Code != 0 {
		t.Fatalf("instance set --file: %s", r)
	}
	h.ok("instance", "set", "follow", "web", "--sensitive", "--file", "/run/pw=@"+filepath.Join(dir, "pw"))
	h.ok("instance", "set", "follow", "web", "--copy", "--file", "/etc/copied.conf=@"+filepath.Join(dir, "copied.conf"))

	stored := h.storedFiles("follow", "web")
	if got := stored["/etc/app.conf"]; got.Source != filepath.Join(dir, "app.conf") || got.Content != "level=1\n" {
		t.Errorf("stored /etc/app.conf = %+v; want its absolute source and content", got)
	}
	if got := stored["/run/pw"]; got.Source != filepath.Join(dir, "pw") {
		t.Errorf("stored /run/pw = %+v; want its source", got)
	}
	if got := stored["/etc/copied.conf"]; got.Source != "" || got.Content != "copy=1\n" {
		t.Errorf("stored /etc/copied.conf = %+v; --copy stores the content and no source", got)
	}

	write("app.conf", "level=2\n")
	write("pw", "pw-Second-6160")
	write("copied.conf", "copy=2\n")
	got := h.planFileContents("follow", "web")
	if got["/etc/app.conf"] != "level=2\n" {
		t.Errorf("plan after the edit holds /etc/app.conf = %q; want the edited content", got["/etc/app.conf"])
	}
	if got["/etc/copied.conf"] != "copy=1\n" {
		t.Errorf("plan holds /etc/copied.conf = %q; a --copy file keeps the content it was set with", got["/etc/copied.conf"])
	}
	for _, args := range [][]string{{"plan", "follow", "--runtime", "docker"}, {"plan", "follow", "--runtime", "docker", "--json"}} {
		out := h.ok(args...)
		if strings.Contains(out, "pw-Second-6160") || strings.Contains(out, "pw-First-5150") {
			t.Errorf("%s prints the sensitive file's content:\n%s", strings.Join(args, " "), out)
		}
	}
	if got := h.storedFiles("follow", "web")["/etc/app.conf"]; got.Content != "level=1\n" {
		t.Errorf("a plan changed the stored content: %+v", got)
	}

	if err := os.Remove(filepath.Join(dir, "app.conf")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan"}, {"apply", "--auto-approve"}} {
		verb := args[0]
		r := h.fails(1, append([]string{verb, "follow", "--runtime", "docker"}, args[1:]...)...)
		for _, want := range []string{"instance web", "file /etc/app.conf", filepath.Join(dir, "app.conf"), "no such file"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%s with a missing source: stderr lacks %q:\n%s", verb, want, r)
			}
		}
	}
	// A destroy needs no source.
	if r := h.run("plan", "follow", "--runtime", "docker", "--destroy"); r.Code != 0 {
		t.Errorf("plan --destroy with a missing source: %s", r)
	}

	// Set again with --copy: the file no longer follows anything.
	write("again.conf", "level=3\n")
	h.ok("instance", "set", "follow", "web", "--copy", "--file", "/etc/app.conf=@"+filepath.Join(dir, "again.conf"))
	if got := h.storedFiles("follow", "web")["/etc/app.conf"]; got.Source != "" || got.Content != "level=3\n" {
		t.Errorf("after set --copy: %+v", got)
	}
	if got := h.planFileContents("follow", "web"); got["/etc/app.conf"] != "level=3\n" {
		t.Errorf("plan after set --copy holds %q", got["/etc/app.conf"])
	}
	if r := h.fails(1, "instance", "set", "follow", "web", "--copy", "--env", "A=1"); !strings.Contains(r.Stderr, "--copy") {
		t.Errorf("--copy without --file: %s", r)
	}
}
