package server

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func TestKeyRotate(t *testing.T) {
	home := t.TempDir()
	st, err := store.OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := newParts(t, home, st, partsOptions{})
	e := &srvEnv{t: t, s: s, h: s.Srv.Handler(), log: &bytes.Buffer{}}
	srvOK[core.Stack](t, e.do("POST", "/v1/stacks", api.StackCreateRequest{Name: "shop"}), http.StatusCreated)
	oldKey, err := os.ReadFile(filepath.Join(home, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}

	hold := make(chan struct{})
	job, startErr := s.Jobs.Start(api.Job{Stack: "shop", Operation: "apply"},
		func(ctx context.Context, emit func(instance, msg string)) (string, error) {
			select {
			case <-hold:
			case <-ctx.Done():
			}
			return "done", nil
		})
	if startErr != nil {
		t.Fatalf("start job: %v", startErr)
	}
	waitUntil(t, func() bool { return s.Jobs.Running() == 1 })
	srvErr(t, e.do("POST", "/v1/key/rotate", nil), http.StatusConflict, api.CodeConflict)
	close(hold)
	waitUntil(t, func() bool { return s.Jobs.Running() == 0 })
	if j, err := s.Jobs.Get(job.ID); err != nil || !j.State.Done() {
		t.Fatalf("job = %+v, %v", j, err)
	}

	res := srvOK[api.KeyRotateResult](t, e.do("POST", "/v1/key/rotate", nil), http.StatusOK)
	if res.Records < 2 {
		t.Errorf("rotated %d records, want the stack and the job at least", res.Records)
	}
	newKey, err := os.ReadFile(filepath.Join(home, "secret.key"))
	if err != nil || bytes.Equal(oldKey, newKey) {
		t.Errorf("key file unchanged after rotate (%v)", err)
	}
	shown := srvOK[core.Stack](t, e.do("GET", "/v1/stacks/shop", nil), http.StatusOK)
	if shown.Name != "shop" {
		t.Errorf("stack after rotate = %+v", shown)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
