package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

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
	s := newParts(t, home, st, partsOptions{})
	e := &srvEnv{t: t, s: s, h: s.Srv.Handler(), log: &bytes.Buffer{}}
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
