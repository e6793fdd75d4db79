// Package service is the daemon's service layer: one method per operation of the API, each owning its store transactions and stack locks and calling core for the rules.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// OpenRuntimeFunc builds the runtime a spec names, detecting one when
// spec.Kind is empty, and returns the spec it used.
type OpenRuntimeFunc func(spec runtime.Spec) (runtime.Runtime, runtime.Spec, error)

// Config is what a Service is built from; every field but EditLockWait is
// required.
type Config struct {
	Home        string
	Store       *store.Store
	Log         *slog.Logger
	Locks       *jobs.LockManager
	Jobs        *jobs.Manager
	Runner      *apply.Runner
	OpenRuntime OpenRuntimeFunc // OpenRuntime in the daemon
	Started     time.Time

	// EditLockWait bounds how long an edit waits for the stack's lock
	// (0: 10s). Edits hold the lock only for one short transaction, so
	// concurrent edits queue instead of failing; an edit still fails
	// (naming the holder) when a plan or an apply keeps the lock longer.
	EditLockWait time.Duration
}

// Service carries out the operations of the API.
type Service struct {
	home         string
	store        *store.Store
	log          *slog.Logger
	locks        *jobs.LockManager
	jobs         *jobs.Manager
	runner       *apply.Runner
	openRuntime  OpenRuntimeFunc
	started      time.Time
	editLockWait time.Duration
}

// New returns the Service cfg describes.
func New(cfg Config) *Service {
	wait := cfg.EditLockWait
	if wait == 0 {
		wait = 10 * time.Second
	}
	return &Service{
		home: cfg.Home, store: cfg.Store, log: cfg.Log, locks: cfg.Locks, jobs: cfg.Jobs,
		runner: cfg.Runner, openRuntime: cfg.OpenRuntime, started: cfg.Started, editLockWait: wait,
	}
}

// Caller is who asks for an operation: the peer of the request, recorded
// in the locks it takes.
type Caller struct {
	Who string // user@host
	PID int
}

// Error is a refusal with an API code, a message and an optional hint.
type Error struct {
	Code api.Code
	Msg  string
	Hint string
}

func (e *Error) Error() string { return e.Msg }

// errorf returns an *Error with code, hint and a formatted message.
func errorf(code api.Code, hint string, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// filesDir is where a stack's config files are materialized.
func (s *Service) filesDir(stack string) string {
	return s.runner.FilesDir(stack)
}

// Status describes the daemon: its process, home, store and jobs.
func (s *Service) Status(pid int) (api.Status, error) {
	st := api.Status{
		PID:           pid,
		Version:       api.Version,
		BuildID:       api.BuildID(),
		Home:          s.home,
		Socket:        filepath.Join(s.home, api.SocketName),
		StartedAt:     s.started.UTC(),
		SchemaVersion: s.store.SchemaVersion(),
		RunningJobs:   s.jobs.Running(),
	}
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		st.Stacks, err = tx.CountStacks()
		return err
	})
	return st, err
}

// StopIfIdle refuses every new job when none runs, so the daemon can stop
// without cancelling any; when some run it changes nothing and returns a
// conflict naming them (see jobs.Manager.CloseIfIdle).
func (s *Service) StopIfIdle() error { return s.jobs.CloseIfIdle() }

// mutateStack changes stack name in one transaction: load, fn, mark the
// overrides the templates say are secret (core.InheritStackSecrecy),
// validate, bump the serial, store. Any error leaves the store unchanged.
func (s *Service) mutateStack(name string, fn func(st *core.Stack, tpls map[string]core.Template) error) (core.Stack, error) {
	var out core.Stack
	err := s.store.Update(func(tx *store.Tx) error {
		st, tpls, err := state.StackAndTemplates(tx, name)
		if err != nil {
			return err
		}
		had := map[string]bool{}
		for _, inst := range st.Instances {
			had[inst.Name] = true
		}
		if err := fn(&st, tpls); err != nil {
			return err
		}
		if err := state.PrepareWrite(tx, &st, tpls, had); err != nil {
			return err
		}
		st.Serial++
		st.UpdatedAt = time.Now().UTC()
		if err := tx.PutStack(st); err != nil {
			return err
		}
		out = st
		return nil
	})
	return out, err
}

// stampNewStack gives a stack about to be created its identity: a random
// lineage, serial 1, and its creation time.
func stampNewStack(st *core.Stack) {
	now := time.Now().UTC()
	st.Lineage, st.Serial, st.CreatedAt, st.UpdatedAt = randid.Hex(16), 1, now, now
}

// editLock takes stack's exclusive lock for an edit, waiting up to
// s.editLockWait while a plan, apply or another edit holds it.
func (s *Service) editLock(ctx context.Context, c Caller, stack string) (func(), error) {
	return s.locks.Acquire(ctx, api.LockInfo{
		Stack: stack, Operation: "edit", Who: c.Who, PID: c.PID, Exclusive: true,
	}, s.editLockWait)
}

// storedStack returns the stored definition of stack name.
func (s *Service) storedStack(name string) (core.Stack, error) {
	var st core.Stack
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		st, err = tx.GetStack(name)
		return err
	})
	return st, err
}
