package store

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/internal/fsutil"
)

// TestRotateConcurrent fires rotations at once: each succeeds or, when it
// gave up waiting, says a rotation is running; none fails otherwise (a
// rename error of two rotations racing on secret.key.next), and the store
// reopens with the key file that is left.
func TestRotateConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait time.Duration
	}{
		{"waiting", 30 * time.Second},
		{"not waiting", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := RotateWait
			RotateWait = tc.wait
			// Widen the window between a commit and its key's install.
			beforeInstall = func() { time.Sleep(2 * time.Millisecond) }
			t.Cleanup(func() { RotateWait, beforeInstall = old, nil })
			home, s := seededHome(t)
			const workers, each = 8, 8
			const n = workers * each
			var wg sync.WaitGroup
			errs := make([]error, n)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						_, errs[w*each+i] = s.Rotate(home)
					}
				}()
			}
			wg.Wait()
			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case IsRotationRunning(err) && tc.wait == 0:
					if err.Error() != "a key rotation is already running" {
						t.Errorf("rotation %d: %q", i, err)
					}
				default:
					t.Errorf("rotation %d: %v", i, err)
				}
			}
			if ok == 0 || tc.wait > 0 && ok != n {
				t.Errorf("%d of %d rotations succeeded", ok, n)
			}
			assertSeeded(t, s)
			if _, err := os.Stat(filepath.Join(home, NextKeyFile)); err == nil {
				t.Errorf("%s left behind", NextKeyFile)
			}
			s.Close()
			s2, err := OpenWithKeyFile(home)
			if err != nil {
				t.Fatalf("reopen with the final key: %v", err)
			}
			defer s2.Close()
			assertSeeded(t, s2)
		})
	}
}

// TestOpenRemovesKeyTemps checks that the temporary files of a key file
// write that was interrupted (32 key bytes each, named as the key file
// writer names them) are removed when the store is opened, and nothing
// else is.
func TestOpenRemovesKeyTemps(t *testing.T) {
	home, s := seededHome(t)
	s.Close()
	var temps []string
	for _, name := range []string{KeyFile, NextKeyFile} {
		tmp, err := fsutil.TempName(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		temps = append(temps, filepath.Base(tmp))
	}
	others := []string{KeyFile + ".tmp-notes", "notes.tmp-0123456789abcdef",
		"." + KeyFile + ".tmp-notes", ".notes.tmp-0123456789abcdef"}
	for _, name := range append(append([]string{}, temps...), others...) {
		if err := os.WriteFile(filepath.Join(home, name), make([]byte, 32), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, name := range temps {
		if _, err := os.Stat(filepath.Join(home, name)); !os.IsNotExist(err) {
			t.Errorf("%s survived the open: %v", name, err)
		}
	}
	for _, name := range others {
		if _, err := os.Stat(filepath.Join(home, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	assertSeeded(t, s2)
}
