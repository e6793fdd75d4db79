package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// fakeEngine is a directory of fake engine binaries (see
// testdata/fake-engine.sh) and the calls they recorded.
type fakeEngine struct {
	t   *testing.T
	bin string // holds docker, podman, podman-compose as asked, plus the tools the script needs
	dir string // FAKE_DIR
}

// newFake makes a bin directory with the named fake programs and sets PATH
// to it alone, so no real engine can answer. FAKE_DIR is set for the test's
// own use; the engine's children do not get it (it is not allow-listed)
// and find it next to their bin directory.
func newFake(t *testing.T, progs ...string) *fakeEngine {
	t.Helper()
	root := t.TempDir()
	f := &fakeEngine{t: t, bin: filepath.Join(root, "bin"), dir: filepath.Join(root, "fake")}
	for _, d := range []string{f.bin, filepath.Join(f.dir, "calls"), filepath.Join(f.dir, "resp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script, err := filepath.Abs("testdata/fake-engine.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range progs {
		if err := os.Symlink(script, filepath.Join(f.bin, p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range []string{"sh", "basename", "dirname", "date", "mkdir", "cat", "env", "stat", "cp"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("fake engine needs %s: %v", tool, err)
		}
		if err := os.Symlink(path, filepath.Join(f.bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", f.bin)
	t.Setenv("FAKE_DIR", f.dir)
	return f
}

func (f *fakeEngine) path(prog string) string { return filepath.Join(f.bin, prog) }

// reply sets what `PROG KEY` prints and returns.
func (f *fakeEngine) reply(progKey, stdout, stderr string, exit int) {
	f.t.Helper()
	base := filepath.Join(f.dir, "resp", progKey)
	write := func(name, content string) {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	if stdout != "" {
		write(base+".out", stdout)
	}
	if stderr != "" {
		write(base+".err", stderr)
	}
	if exit != 0 {
		write(base+".exit", strconv.Itoa(exit))
	}
}

// call is one recorded invocation.
type call struct {
	Args     []string
	Stdin    string
	Env      map[string]string
	File     string // content of the -f file, when not stdin
	FileMode string
}

// calls returns the recorded invocations in order.
func (f *fakeEngine) calls() []call {
	f.t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, "calls"))
	if err != nil {
		f.t.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []call
	for _, n := range names {
		d := filepath.Join(f.dir, "calls", n)
		read := func(name string) string {
			b, _ := os.ReadFile(filepath.Join(d, name))
			return string(b)
		}
		c := call{
			Args:     strings.Split(strings.TrimSuffix(read("args"), "\n"), "\n"),
			Stdin:    read("stdin"),
			Env:      map[string]string{},
			File:     read("file"),
			FileMode: strings.TrimSpace(read("filemode")),
		}
		for _, kv := range strings.Split(read("env"), "\n") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				c.Env[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// only returns the one recorded call, failing otherwise.
func (f *fakeEngine) only() call {
	f.t.Helper()
	cs := f.calls()
	if len(cs) != 1 {
		f.t.Fatalf("want 1 engine call, got %d: %+v", len(cs), cs)
	}
	return cs[0]
}
