package builddigest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func context(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM scratch\nCOPY app /app\n")
	write(t, dir, "app", "v1")
	write(t, dir, "src/main.go", "package main")
	write(t, dir, "node_modules/x/index.js", "ignored")
	write(t, dir, "logs/a.log", "ignored")
	write(t, dir, "logs/keep.log", "kept by !")
	write(t, dir, ".dockerignore", "# deps\nnode_modules\nlogs/*.log\n!logs/keep.log\nDockerfile\n")
	return dir
}

func TestComputeWhatCounts(t *testing.T) {
	dir := context(t)
	b := core.ImageBuild{Context: dir}
	base, err := Compute(b)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range base.Files {
		keys = append(keys, k)
	}
	got := strings.Join(sortStrings(keys), ",")
	// The Dockerfile is in although ignored: the engine always sends it.
	if want := ".dockerignore,Dockerfile,app,logs/keep.log,src/main.go"; got != want {
		t.Fatalf("files = %s; want %s", got, want)
	}
	again, err := Compute(b)
	if err != nil || again.Sum != base.Sum {
		t.Fatalf("same inputs digest differently: %s vs %s (%v)", again.Sum, base.Sum, err)
	}

	cases := []struct {
		name    string
		edit    func(t *testing.T, dir string, b *core.ImageBuild)
		changed int // files; -1: only the sum changes
		same    bool
	}{
		{"ignored file edited", func(t *testing.T, dir string, b *core.ImageBuild) {
			write(t, dir, "node_modules/x/index.js", "other")
			write(t, dir, "logs/a.log", "other")
		}, 0, true},
		{"context file edited", func(t *testing.T, dir string, b *core.ImageBuild) { write(t, dir, "app", "v2") }, 1, false},
		{"file added and Dockerfile edited", func(t *testing.T, dir string, b *core.ImageBuild) {
			write(t, dir, "src/util.go", "package main")
			write(t, dir, "Dockerfile", "FROM scratch\n")
		}, 2, false},
		{"file removed", func(t *testing.T, dir string, b *core.ImageBuild) { os.Remove(filepath.Join(dir, "src", "main.go")) }, 1, false},
		{"mode changed", func(t *testing.T, dir string, b *core.ImageBuild) { os.Chmod(filepath.Join(dir, "app"), 0o755) }, 1, false},
		{"arg changed", func(t *testing.T, dir string, b *core.ImageBuild) { b.Args = core.BuildArgs{"V": "2"} }, 0, false},
		{"target changed", func(t *testing.T, dir string, b *core.ImageBuild) { b.Target = "dev" }, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := context(t)
			b := core.ImageBuild{Context: dir}
			before, err := Compute(b)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(t, dir, &b)
			after, err := Compute(b)
			if err != nil {
				t.Fatal(err)
			}
			if (after.Sum == before.Sum) != tc.same {
				t.Errorf("sum equal = %v; want %v", after.Sum == before.Sum, tc.same)
			}
			if n := after.ChangedFiles(before); n != tc.changed {
				t.Errorf("changed files = %d; want %d", n, tc.changed)
			}
		})
	}
}

// TestComputeLinksAndOutside: a link is digested as a link (never followed
// out of the context); a Dockerfile outside the context counts by its path.
func TestComputeLinksAndOutside(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "secret.txt", "v1")
	write(t, outside, "Dockerfile.dev", "FROM scratch\n")
	dir := t.TempDir()
	write(t, dir, "app", "x")
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	b := core.ImageBuild{Context: dir, Dockerfile: filepath.Join(outside, "Dockerfile.dev")}
	before, err := Compute(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := before.Files[filepath.Join(outside, "Dockerfile.dev")]; !ok {
		t.Errorf("files = %v; want the outside Dockerfile by its path", before.Files)
	}
	write(t, outside, "secret.txt", "v2 changed")
	after, err := Compute(b)
	if err != nil {
		t.Fatal(err)
	}
	if after.Sum != before.Sum {
		t.Error("a link's target outside the context was read")
	}
}

func TestComputeBounds(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM scratch\n")
	for _, n := range []string{"a", "b", "c"} {
		write(t, dir, n, strings.Repeat("x", 100))
	}
	for _, tc := range []struct {
		name string
		lim  Limits
		want string
	}{
		{"files", Limits{Files: 3}, "more than 3 files"},
		{"bytes", Limits{Bytes: 150}, "more than 150 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ComputeWithin(core.ImageBuild{Context: dir}, tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v; want %q naming %s", err, tc.want, dir)
			}
		})
	}
	if _, err := ComputeWithin(core.ImageBuild{Context: dir, Dockerfile: "nope"}, Limits{}); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope")) {
		t.Errorf("missing Dockerfile: err = %v", err)
	}
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}

// TestComputeContextLink: a context that is a link to a directory is that
// directory, as the engine sends it: its files count and their edits show.
func TestComputeContextLink(t *testing.T) {
	dir := context(t)
	link := filepath.Join(t.TempDir(), "ctx")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	direct, err := Compute(core.ImageBuild{Context: dir})
	if err != nil {
		t.Fatal(err)
	}
	before, err := Compute(core.ImageBuild{Context: link})
	if err != nil {
		t.Fatal(err)
	}
	if before.Sum != direct.Sum || len(before.Files) != len(direct.Files) {
		t.Fatalf("through the link: %d files %s; directly: %d files %s", len(before.Files), before.Sum, len(direct.Files), direct.Sum)
	}
	write(t, dir, "app", "v2")
	after, err := Compute(core.ImageBuild{Context: link})
	if err != nil {
		t.Fatal(err)
	}
	if n := after.ChangedFiles(before); after.Sum == before.Sum || n != 1 {
		t.Errorf("edit behind the link: sum changed %v, %d files changed; want a change of 1 file", after.Sum != before.Sum, n)
	}
}
