package server

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/service"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

// parts is the whole daemon over one store, wired as daemon.Run wires it:
// locks, jobs, the apply runner, the service and the server.
type parts struct {
	Home   string
	Store  *store.Store
	Locks  *jobs.LockManager
	Jobs   *jobs.Manager
	Runner *apply.Runner
	Svc    *service.Service
	Srv    *Server

	// open is the runtime factory the service is given; tests swap it.
	open service.OpenRuntimeFunc
}

// partsOptions are what tests vary in the wiring.
type partsOptions struct {
	log          *slog.Logger  // nil: discard
	editLockWait time.Duration // 0: the service's default
}

// newParts builds the daemon over st in home. The jobs are waited for when
// the test ends.
func newParts(t testing.TB, home string, st *store.Store, opt partsOptions) *parts {
	t.Helper()
	log := opt.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &parts{Home: home, Store: st, Locks: jobs.NewLockManager(), Jobs: jobs.NewManager(st, log), open: service.OpenRuntime}
	p.Runner = &apply.Runner{Home: home, Store: st, Jobs: p.Jobs, Log: log, Timeouts: apply.DefaultTimeouts()}
	p.Svc = service.New(service.Config{
		Home: home, Store: st, Log: log, Locks: p.Locks, Jobs: p.Jobs, Runner: p.Runner,
		OpenRuntime: func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error) { return p.open(spec) },
		Started:     time.Now(), EditLockWait: opt.editLockWait,
	})
	p.Srv = New(p.Svc, log, func() {})
	t.Cleanup(p.Jobs.Wait)
	return p
}

// filesDir is where stack's config files are materialized.
func (p *parts) filesDir(stack string) string { return p.Runner.FilesDir(stack) }

// storedStack reads stack name as stored.
func (p *parts) storedStack(name string) (core.Stack, error) {
	var st core.Stack
	err := p.Store.View(func(tx *store.Tx) error {
		var err error
		st, err = tx.GetStack(name)
		return err
	})
	return st, err
}

// openStoreWithKey opens a fresh store under home sealed with a key of
// fill bytes.
func openStoreWithKey(t testing.TB, home string, fill byte) *store.Store {
	t.Helper()
	var key secrets.Key
	copy(key[:], bytes.Repeat([]byte{fill}, len(key)))
	st, err := store.Open(filepath.Join(home, "devarch.db"), key)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
