package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestConcurrentEditsWait: parallel edits of one stack queue for its edit
// lock instead of failing at once; every one of them is stored.
func TestConcurrentEditsWait(t *testing.T) {
	e := newSrvEnv(t)
	e.stack("shop")
	// A plan-like holder keeps the lock for a moment, so every edit below
	// has to wait for it and for the others.
	release, err := e.s.Locks.Acquire(context.Background(), api.LockInfo{Stack: "shop", Operation: "plan", Who: "x@y", PID: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	codes := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{
				Overrides: core.Overrides{
					Env: map[string]core.EnvVar{fmt.Sprintf("K%d", i): {Value: fmt.Sprint(i)}},
				},
				Mask: []string{"env"},
			})
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	time.Sleep(100 * time.Millisecond)
	release()
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("edit %d: %d %s", i, c, bodies[i])
		}
	}
	view := e.instance("shop", "api")
	for i := range n {
		if _, ok := view.Instance.Overrides.Env[fmt.Sprintf("K%d", i)]; !ok {
			t.Errorf("env K%d lost; overrides = %+v", i, view.Instance.Overrides.Env)
		}
	}
}

// TestEditLockRefused: an edit that waited its lock wait in vain names the
// holder and how long it waited; the hint says to retry or to wait for the
// job, and offers `unlock --force` only for a job's lock.
func TestEditLockRefused(t *testing.T) {
	const editLockWait = 50 * time.Millisecond

	tests := []struct {
		name      string
		holder    api.LockInfo
		wantHint  []string
		forceHint bool
	}{
		{"another edit", api.LockInfo{Operation: "edit", Exclusive: true}, []string{"retry", "edit"}, false},
		{"a plan", api.LockInfo{Operation: "plan"}, []string{"retry", "plan"}, false},
		{"an import", api.LockInfo{Operation: "import", Exclusive: true}, []string{"retry", "import"}, false},
		{"an apply job", api.LockInfo{Operation: "apply", JobID: "j1", Exclusive: true},
			[]string{"wait for the running apply (job j1", "devarch jobs attach j1", "then retry", "only if its holder is gone"}, true},
		{"a destroy job", api.LockInfo{Operation: "destroy", JobID: "j2", Exclusive: true},
			[]string{"wait for the running destroy (job j2", "then retry"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSrvEnvWith(t, partsOptions{editLockWait: editLockWait})
			e.stack("shop")
			h := tt.holder
			h.Stack, h.Who, h.PID = "shop", "ann@box", 7
			release, err := e.s.Locks.Acquire(context.Background(), h, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			before := e.stored("shop")
			start := time.Now()
			got := srvErr(t, e.do("PATCH", "/v1/stacks/shop/instances/api", core.InstanceUpdate{Overrides: core.Overrides{Restart: ptrTo("always")}, Mask: []string{"restart"}}),
				http.StatusLocked, api.CodeLocked)
			if waited := time.Since(start); waited < editLockWait {
				t.Errorf("refused after %s; an edit waits %s", waited, editLockWait)
			}
			if !strings.Contains(got.Message, `stack "shop" is locked: `+h.Operation) || !strings.Contains(got.Message, "(waited 50ms)") {
				t.Errorf("message = %q", got.Message)
			}
			for _, w := range tt.wantHint {
				if !strings.Contains(got.Hint, w) {
					t.Errorf("hint %q lacks %q", got.Hint, w)
				}
			}
			if force := strings.Contains(got.Hint, "unlock shop --force"); force != tt.forceHint {
				t.Errorf("hint %q: offers unlock --force = %v, want %v", got.Hint, force, tt.forceHint)
			}
			if e.stored("shop") != before {
				t.Error("a refused edit changed the stack")
			}
		})
	}
}
