package daemon

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// TestKeyRotateConcurrent fires key rotations at the daemon at once: each
// succeeds or is refused with "a key rotation is already running".
func TestKeyRotateConcurrent(t *testing.T) {
	old := store.RotateWait
	store.RotateWait = 0
	t.Cleanup(func() { store.RotateWait = old })
	home := t.TempDir()
	st, err := store.OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Home: home, Store: st, Locks: NewLockManager(), Jobs: NewJobManager(st, nil), Started: time.Now()}
	t.Cleanup(s.Jobs.Wait)
	e := &srvEnv{t: t, s: s, h: s.Handler()}
	const n = 16
	var wg sync.WaitGroup
	codes, bodies := make([]int, n), make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := e.do("POST", "/v1/key/rotate", nil)
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	wg.Wait()
	ok := 0
	for i := range n {
		switch codes[i] {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			var body api.ErrorBody
			if err := json.Unmarshal([]byte(bodies[i]), &body); err != nil || body.Error == nil ||
				body.Error.Code != api.CodeConflict || body.Error.Message != "a key rotation is already running" {
				t.Errorf("rotation %d: %s", i, bodies[i])
			}
		default:
			t.Errorf("rotation %d: %d %s", i, codes[i], bodies[i])
		}
	}
	if ok == 0 {
		t.Error("no rotation succeeded")
	}
	st.Close()
	st2, err := store.OpenWithKeyFile(home)
	if err != nil {
		t.Fatalf("reopen with the final key: %v", err)
	}
	st2.Close()
}

// TestRemoveCrashLeftovers checks what the daemon removes when it starts:
// the staged config directories of every stack (.tmp-*, .old-*, holding
// sensitive files), never a stack's own directory.
func TestRemoveCrashLeftovers(t *testing.T) {
	stacks := filepath.Join(t.TempDir(), "stacks")
	leftovers := []string{".tmp-shop-0123456789ab", ".old-shop-0123456789ab", ".tmp-my-app-abcdef012345"}
	kept := []string{"shop", "my-app"}
	for _, d := range append(append([]string{}, leftovers...), kept...) {
		if err := os.MkdirAll(filepath.Join(stacks, d, "db"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(stacks, d, "db", "secret.conf"), []byte("k"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removeCrashLeftovers(stacks)
	for _, d := range leftovers {
		if _, err := os.Stat(filepath.Join(stacks, d)); !os.IsNotExist(err) {
			t.Errorf("%s survived: %v", d, err)
		}
	}
	for _, d := range kept {
		if _, err := os.Stat(filepath.Join(stacks, d, "db", "secret.conf")); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}

// TestPurgeRemovesStackLeftovers checks that destroy --purge removes what
// belongs to the stack under stacks/ (its directory and the staged
// directories a crash left) and nothing of another stack.
func TestPurgeRemovesStackLeftovers(t *testing.T) {
	e := newTestEnv(t)
	if _, job := e.apply("shop", api.ApplyRequest{}); job.State != api.JobSucceeded {
		t.Fatalf("apply: %+v", job)
	}
	stacks := filepath.Join(e.s.Home, "stacks")
	mine := []string{".tmp-shop-0123456789ab", ".old-shop-ba9876543210"}
	other := ".tmp-shopx-0123456789ab"
	for _, d := range append(append([]string{}, mine...), other) {
		if err := os.MkdirAll(filepath.Join(stacks, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(stacks, "shop")); err != nil {
		t.Fatalf("apply wrote no config files: %v", err)
	}
	if _, job := e.apply("shop", api.ApplyRequest{Destroy: true, Purge: true}); job.State != api.JobSucceeded {
		t.Fatalf("destroy --purge: %+v", job)
	}
	for _, d := range append(mine, "shop") {
		if _, err := os.Stat(filepath.Join(stacks, d)); !os.IsNotExist(err) {
			t.Errorf("%s survived the purge: %v", d, err)
		}
	}
	if _, err := os.Stat(filepath.Join(stacks, other)); err != nil {
		t.Errorf("another stack's %s was removed: %v", other, err)
	}
}
