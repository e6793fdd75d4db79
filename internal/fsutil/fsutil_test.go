package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

func checkFile(t *testing.T, path, want string, perm fs.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != perm {
		t.Errorf("%s has mode %o, want %o", path, fi.Mode().Perm(), perm)
	}
}

func TestWriteFile(t *testing.T) {
	old := syscall.Umask(0o077) // narrower than the modes asked for
	t.Cleanup(func() { syscall.Umask(old) })
	cases := []struct {
		name   string
		before string // "" for no file
		perm   fs.FileMode
	}{
		{"new file", "", 0o644},
		{"replaces a file", "old content", 0o640},
		{"private", "old", 0o600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.yml")
			if tc.before != "" {
				if err := os.WriteFile(path, []byte(tc.before), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new content"), tc.perm); err != nil {
				t.Fatal(err)
			}
			checkFile(t, path, "new content", tc.perm)
			if got := entries(t, dir); len(got) != 1 || got[0] != "out.yml" {
				t.Errorf("directory holds %v, want only out.yml (no temporary file left)", got)
			}
		})
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.Mkdir(path, 0o700); err != nil { // a directory cannot be replaced by a file
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("x"), 0o600); err == nil {
		t.Fatal("writing over a directory succeeded")
	}
	if got := entries(t, dir); len(got) != 1 || got[0] != "out" {
		t.Errorf("directory holds %v after a failed write, want only out", got)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), []byte("x"), 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write into a missing directory: %v, want fs.ErrNotExist", err)
	}
}

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	if err := CreateFile(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "first", 0o600)
	err := CreateFile(path, []byte("second"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want fs.ErrExist", err)
	}
	checkFile(t, path, "first", 0o600)
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only secret.key", got)
	}
}

func TestWriteNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteNewFile(path, []byte("a"), 0o640); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "a", 0o640)
	if err := WriteNewFile(path, []byte("b"), 0o640); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want fs.ErrExist", err)
	}
	checkFile(t, path, "a", 0o640)
}

func TestRename(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(from, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Rename(from, to); err != nil {
		t.Fatal(err)
	}
	checkFile(t, to, "x", 0o600)
	if _, err := os.Stat(from); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still exists after the rename: %v", from, err)
	}
	if err := Rename(from, to); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestRemoveTemps leaves temporary files of a write of secret.key (named
// by TempName, as WriteFile and CreateFile name them) beside files that
// only look like them: RemoveTemps removes exactly the former.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	var temps []string
	for range 2 {
		tmp, err := TempName(path)
		if err != nil {
			t.Fatal(err)
		}
		temps = append(temps, filepath.Base(tmp))
	}
	other, err := TempName(filepath.Join(dir, "secret.key.next"))
	if err != nil {
		t.Fatal(err)
	}
	kept := []string{
		"secret.key",
		filepath.Base(other),                // another file's temporary file
		".secret.key.tmp-notes",             // not hex
		".secret.key.tmp-0123456789ABCDEF",  // not lowercase hex
		".secret.key.tmp-0123456789abcdef0", // 17 digits
		"secret.key.tmp-0123456789abcdef",   // not hidden
	}
	for _, name := range append(append([]string{}, temps...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("k"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tmpDir, err := TempName(path) // a directory is never a leftover file
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tmpDir, 0o700); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, filepath.Base(tmpDir))

	if err := RemoveTemps(path); err != nil {
		t.Fatal(err)
	}
	for _, name := range temps {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s survived: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if err := RemoveTemps(filepath.Join(dir, "missing", "f")); err != nil {
		t.Errorf("in a missing directory: %v, want nil", err)
	}
}
