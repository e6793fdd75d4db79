package jobs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

func lockInfo(op string, exclusive bool) api.LockInfo {
	return api.LockInfo{Stack: "shop", Operation: op, JobID: "j1", Who: "root@box", PID: 123, Exclusive: exclusive}
}

func TestLockSharingAndExclusion(t *testing.T) {
	tests := []struct {
		name       string
		first      bool // exclusive
		second     bool // exclusive
		wantShared bool
	}{
		{"plan with plan", false, false, true},
		{"apply after plan", false, true, false},
		{"plan after apply", true, false, false},
		{"apply after apply", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewLockManager()
			rel1, err := m.Acquire(context.Background(), lockInfo("first", tt.first), 0)
			if err != nil {
				t.Fatalf("first acquire: %v", err)
			}
			rel2, err := m.Acquire(context.Background(), lockInfo("second", tt.second), 0)
			if tt.wantShared {
				if err != nil {
					t.Fatalf("second acquire: %v", err)
				}
				if got := len(m.Holders("shop")); got != 2 {
					t.Fatalf("holders = %d, want 2", got)
				}
				rel2()
			} else {
				var le *LockError
				if !errors.As(err, &le) {
					t.Fatalf("second acquire error = %v, want *LockError", err)
				}
				if le.Holder.Operation != "first" {
					t.Errorf("holder operation = %q, want first", le.Holder.Operation)
				}
			}
			rel1()
			if got := m.Holders("shop"); len(got) != 0 {
				t.Errorf("holders after release = %v, want none", got)
			}
		})
	}
}

func TestLockOtherStacksIndependent(t *testing.T) {
	m := NewLockManager()
	rel, err := m.Acquire(context.Background(), lockInfo("apply", true), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	other := lockInfo("apply", true)
	other.Stack = "blog"
	rel2, err := m.Acquire(context.Background(), other, 0)
	if err != nil {
		t.Fatalf("lock of another stack refused: %v", err)
	}
	rel2()
}

func TestLockWaitsForRelease(t *testing.T) {
	m := NewLockManager()
	rel, err := m.Acquire(context.Background(), lockInfo("apply", true), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := m.Acquire(context.Background(), lockInfo("plan", false), 10*time.Second)
		if err == nil {
			r()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("acquired while held exclusively: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	rel()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by release")
	}
}

func TestLockTimeoutAndCancel(t *testing.T) {
	m := NewLockManager()
	rel, err := m.Acquire(context.Background(), lockInfo("apply", true), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()

	t.Run("timeout", func(t *testing.T) {
		_, err := m.Acquire(context.Background(), lockInfo("apply", true), 30*time.Millisecond)
		var le *LockError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want *LockError", err)
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		_, err := m.Acquire(ctx, lockInfo("apply", true), time.Minute)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestLockErrorText(t *testing.T) {
	created := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		holder api.LockInfo
		want   string
	}{
		{"job", api.LockInfo{Operation: "apply", JobID: "J", Who: "root@host", PID: 123, Created: created},
			`stack "shop" is locked: apply (job J) by root@host, pid 123, since 2026-11-22T20:00:00Z`},
		{"plan", api.LockInfo{Operation: "plan", Who: "ann@box", PID: 7, Created: created},
			`stack "shop" is locked: plan by ann@box, pid 7, since 2026-11-22T20:00:00Z`},
		{"instances", api.LockInfo{Operation: "apply", JobID: "J", Who: "root@host", PID: 123, Created: created, Instances: []string{"api", "db"}},
			`stack "shop" is locked: apply (job J) of instance(s) api, db by root@host, pid 123, since 2026-11-22T20:00:00Z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &LockError{Stack: "shop", Holder: tt.holder}
			if e.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", e.Error(), tt.want)
			}
		})
	}
}

func TestLockHolderRecord(t *testing.T) {
	m := NewLockManager()
	before := time.Now().Add(-time.Second)
	rel, err := m.Acquire(context.Background(), lockInfo("apply", true), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	hs := m.Holders("shop")
	if len(hs) != 1 {
		t.Fatalf("holders = %v", hs)
	}
	h := hs[0]
	if len(h.ID) != 16 || h.Created.Before(before) || h.JobID != "j1" || h.Who != "root@box" || h.PID != 123 || !h.Exclusive {
		t.Errorf("holder = %+v", h)
	}
	_, err = m.Acquire(context.Background(), lockInfo("destroy", true), 0)
	if err == nil || !strings.Contains(err.Error(), "apply (job j1) by root@box, pid 123") {
		t.Errorf("refusal = %v, want holder described", err)
	}
}

func TestForceUnlock(t *testing.T) {
	m := NewLockManager()
	relA, _ := m.Acquire(context.Background(), lockInfo("plan", false), 0)
	relB, _ := m.Acquire(context.Background(), lockInfo("plan", false), 0)
	hs := m.Holders("shop")
	if len(hs) != 2 {
		t.Fatalf("holders = %d", len(hs))
	}
	if n := m.ForceUnlock("shop", "nope"); n != 0 {
		t.Errorf("unknown id released %d", n)
	}
	if n := m.ForceUnlock("shop", hs[0].ID); n != 1 {
		t.Errorf("by id released %d, want 1", n)
	}
	if got := m.Holders("shop"); len(got) != 1 || got[0].ID != hs[1].ID {
		t.Errorf("remaining = %v", got)
	}
	if n := m.ForceUnlock("shop", ""); n != 1 {
		t.Errorf("all released %d, want 1", n)
	}

	// A forced holder's own release does nothing, even to a new holder.
	relC, err := m.Acquire(context.Background(), lockInfo("apply", true), 0)
	if err != nil {
		t.Fatalf("acquire after force: %v", err)
	}
	relA()
	relB()
	if got := m.Holders("shop"); len(got) != 1 || got[0].Operation != "apply" {
		t.Errorf("stale release removed the new holder: %v", got)
	}
	relC()
	relC()
	if got := m.Holders("shop"); len(got) != 0 {
		t.Errorf("holders = %v", got)
	}
}

func instanceLock(op string, instances ...string) api.LockInfo {
	info := lockInfo(op, false)
	info.Instances = instances
	return info
}

// Instance-scoped holders share the stack's lock: disjoint instance sets
// coexist, overlapping ones exclude each other, and a holder of the whole
// stack excludes them all (and they it).
func TestInstanceLocks(t *testing.T) {
	tests := []struct {
		name    string
		first   api.LockInfo
		second  api.LockInfo
		granted bool
	}{
		{"disjoint instances", instanceLock("a1", "api"), instanceLock("a2", "db", "web"), true},
		{"overlapping instances", instanceLock("a1", "api", "db"), instanceLock("a2", "db"), false},
		{"same instance", instanceLock("a1", "api"), instanceLock("a2", "api"), false},
		{"stack-exclusive then instances", lockInfo("a1", true), instanceLock("a2", "api"), false},
		{"instances then stack-exclusive", instanceLock("a1", "api"), lockInfo("a2", true), false},
		{"plan beside instances", instanceLock("a1", "api"), lockInfo("a2", false), true},
		{"instances beside a plan", lockInfo("a1", false), instanceLock("a2", "api"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewLockManager()
			rel1, err := m.Acquire(context.Background(), tt.first, 0)
			if err != nil {
				t.Fatalf("first acquire: %v", err)
			}
			defer rel1()
			rel2, err := m.Acquire(context.Background(), tt.second, 0)
			if tt.granted {
				if err != nil {
					t.Fatalf("second acquire: %v", err)
				}
				rel2()
				return
			}
			var le *LockError
			if !errors.As(err, &le) {
				t.Fatalf("second acquire error = %v, want *LockError", err)
			}
			if le.Holder.Operation != "a1" || !slices.Equal(le.Holder.Instances, tt.first.Instances) {
				t.Errorf("holder = %+v, want a1 holding %v", le.Holder, tt.first.Instances)
			}
		})
	}
}

// The second of three instance holders waits for the one it overlaps,
// not for the disjoint one, and is listed with its instances.
func TestInstanceLockWaitsAndIsListed(t *testing.T) {
	m := NewLockManager()
	relAPI, err := m.Acquire(context.Background(), instanceLock("apply", "db", "api"), 0)
	if err != nil {
		t.Fatal(err)
	}
	relWeb, err := m.Acquire(context.Background(), instanceLock("apply", "web"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer relWeb()
	hs := m.Holders("shop")
	if len(hs) != 2 || !slices.Equal(hs[0].Instances, []string{"api", "db"}) || hs[0].Exclusive || !slices.Equal(hs[1].Instances, []string{"web"}) {
		t.Fatalf("holders = %+v; want api,db then web, shared", hs)
	}
	got := make(chan error, 1)
	go func() {
		rel, err := m.Acquire(context.Background(), instanceLock("apply", "api"), 5*time.Second)
		if err == nil {
			rel()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("acquired api while it was held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	relAPI()
	if err := <-got; err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
}

// unlock --force releases an instance holder by its ID, leaving the other.
func TestForceUnlockInstanceHolder(t *testing.T) {
	m := NewLockManager()
	relA, _ := m.Acquire(context.Background(), instanceLock("apply", "api"), 0)
	defer relA()
	relB, _ := m.Acquire(context.Background(), instanceLock("apply", "db"), 0)
	defer relB()
	hs := m.Holders("shop")
	if n := m.ForceUnlock("shop", hs[0].ID); n != 1 {
		t.Fatalf("released %d, want 1", n)
	}
	if rel, err := m.Acquire(context.Background(), instanceLock("apply", "api"), 0); err != nil {
		t.Errorf("api after its holder was forced: %v", err)
	} else {
		rel()
	}
	if _, err := m.Acquire(context.Background(), instanceLock("apply", "db"), 0); err == nil {
		t.Error("db was granted while its holder still holds it")
	}
}
