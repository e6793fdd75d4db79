package secrets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	path := filepath.Join(dir, "secret.key")
	k, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("key file mode %v size %d", fi.Mode(), fi.Size())
	}
	di, err := os.Stat(dir)
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, %v", di.Mode(), err)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || k2 != k {
		t.Fatalf("reload: created %v, same %v, %v", created, k2 == k, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestLoadKeyRefuses(t *testing.T) {
	tests := []struct {
		name    string
		mode    os.FileMode
		size    int
		wantMsg []string
	}{
		{"group readable", 0o640, 32, []string{"0640", "chmod 600"}},
		{"world readable", 0o604, 32, []string{"0604", "chmod 600"}},
		{"group writable", 0o620, 32, []string{"0620", "chmod 600"}},
		{"short", 0o600, 16, []string{"16 bytes", "exactly 32"}},
		{"empty", 0o600, 0, []string{"0 bytes", "exactly 32"}},
		{"long", 0o600, 33, []string{"longer than 32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret.key")
			if err := os.WriteFile(path, make([]byte, tt.size), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKey(path)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, want := range append(tt.wantMsg, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			// LoadOrCreateKey must not replace a refused file.
			if _, _, err := LoadOrCreateKey(path); err == nil {
				t.Fatal("LoadOrCreateKey accepted a refused key file")
			}
			fi, _ := os.Stat(path)
			if fi.Size() != int64(tt.size) || fi.Mode().Perm() != tt.mode {
				t.Fatalf("key file changed: %v %d", fi.Mode(), fi.Size())
			}
		})
	}
}

func TestLoadOrCreateKeyRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	const n = 8
	keys := make([]Key, n)
	createdBy := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], createdBy[i], errs[i] = LoadOrCreateKey(path)
		}()
	}
	close(start)
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("goroutine %d got a different key", i)
		}
		if createdBy[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d goroutines created the key, want 1", creators)
	}
	onDisk, err := LoadKey(path)
	if err != nil || onDisk != keys[0] {
		t.Fatalf("key on disk differs: %v", err)
	}
}

func TestWriteKeyFileExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key.next")
	k1, k2 := testKey(t), testKey(t)
	if err := WriteKeyFile(path, k1); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(path, k2); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want fs.ErrExist", err)
	}
	got, err := LoadKey(path)
	if err != nil || got != k1 {
		t.Fatalf("key replaced or unreadable: %v", err)
	}
}
