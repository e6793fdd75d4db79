// Package jobs holds the daemon's per-stack locks and runs its background jobs (apply, destroy), persisting every job and event.
package jobs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
)

// LockManager holds per-stack readers/writer locks in memory, with
// instance-scoped locks under the shared mode. Plans share a stack's lock;
// apply, destroy, import and edits hold it alone. A targeted apply in
// per-service mode shares the stack's lock and holds its instances
// (targets and included providers) alone: two such applies run side by
// side when their instances are disjoint, and exclude each other when they
// overlap; a holder of the whole stack excludes them all. Locks live only
// in the daemon's memory, so a daemon that dies releases every lock it
// held.
type LockManager struct {
	mu      sync.Mutex
	holders map[string][]*lockHolder // by stack, in acquisition order
	changed chan struct{}            // closed and replaced whenever a lock is released
}

type lockHolder struct {
	info api.LockInfo
}

// LockError is returned when a stack's lock could not be acquired; Holder is
// who holds it.
type LockError struct {
	Stack  string
	Holder api.LockInfo
	Waited time.Duration // how long the request waited before giving up; 0 when it did not wait
}

func (e *LockError) Error() string {
	h := e.Holder
	op := h.Operation
	if h.JobID != "" {
		op += " (job " + h.JobID + ")"
	}
	if len(h.Instances) > 0 {
		op += " of instance(s) " + strings.Join(h.Instances, ", ")
	}
	msg := fmt.Sprintf("stack %q is locked: %s by %s, pid %d, since %s",
		e.Stack, op, h.Who, h.PID, h.Created.UTC().Format(time.RFC3339))
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (waited %s)", e.Waited)
	}
	return msg
}

// Hint says what to do about the held lock. Only an apply or destroy job
// holds a lock beyond the request that took it, so only its lock can outlive
// a holder that is gone: for a job the hint is to wait for it, or to break
// the lock with `unlock --force` if its holder is gone. An edit, a plan or an
// import holds the lock only while its own request runs and releases it when
// the request ends, even when its client dies: breaking it is never needed,
// and retrying is the answer.
func (e *LockError) Hint() string {
	h := e.Holder
	if h.JobID != "" {
		return fmt.Sprintf("wait for the running %s (job %s, `devarch jobs attach %s`) to finish, then retry; "+
			"run `devarch unlock %s --force` only if its holder is gone", cmp.Or(h.Operation, "job"), h.JobID, h.JobID, e.Stack)
	}
	return fmt.Sprintf("retry in a moment: the %s holds the lock only while its request runs", cmp.Or(h.Operation, "holder"))
}

// NewLockManager returns a LockManager with no locks held.
func NewLockManager() *LockManager {
	return &LockManager{holders: map[string][]*lockHolder{}, changed: make(chan struct{})}
}

// Acquire takes info.Stack's lock: shared when info.Exclusive is false,
// exclusive otherwise; a shared lock with info.Instances also holds those
// instances alone. It fills info.ID and info.Created, waits up to timeout
// for a conflicting holder to go (0 fails at once) and returns a *LockError
// naming the holder when it cannot. Waiting ends early when ctx is done. The
// returned release is safe to call more than once; after a forced unlock it
// does nothing.
func (m *LockManager) Acquire(ctx context.Context, info api.LockInfo, timeout time.Duration) (release func(), err error) {
	info.ID = randid.Hex(8)
	info.Created = time.Now().UTC()
	if info.Exclusive {
		info.Instances = nil // the whole stack is held
	}
	info.Instances = slices.Compact(slices.Sorted(slices.Values(info.Instances)))
	h := &lockHolder{info: info}

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		m.mu.Lock()
		blocker, ok := m.conflict(info)
		if !ok {
			m.holders[info.Stack] = append(m.holders[info.Stack], h)
			m.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { m.drop(info.Stack, h) }) }, nil
		}
		changed := m.changed
		m.mu.Unlock()

		lockErr := &LockError{Stack: info.Stack, Holder: blocker}
		if deadline == nil {
			return nil, lockErr
		}
		select {
		case <-changed:
		case <-deadline:
			lockErr.Waited = timeout
			return nil, lockErr
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the lock of stack %q: %w", info.Stack, ctx.Err())
		}
	}
}

// conflict returns the holder that keeps info from being granted. The
// caller holds m.mu.
func (m *LockManager) conflict(info api.LockInfo) (api.LockInfo, bool) {
	hs := m.holders[info.Stack]
	for _, h := range hs {
		if h.info.Exclusive {
			return h.info, true
		}
	}
	if info.Exclusive && len(hs) > 0 {
		return hs[0].info, true
	}
	for _, h := range hs {
		if overlaps(h.info.Instances, info.Instances) {
			return h.info, true
		}
	}
	return api.LockInfo{}, false
}

// overlaps reports whether the sorted instance sets a and b share one.
func overlaps(a, b []string) bool {
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); found {
			return true
		}
	}
	return false
}

// drop removes h from stack's holders if it is still there and wakes waiters.
func (m *LockManager) drop(stack string, h *lockHolder) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs := m.holders[stack]
	i := slices.Index(hs, h)
	if i < 0 {
		return false
	}
	hs = slices.Delete(hs, i, i+1)
	if len(hs) == 0 {
		delete(m.holders, stack)
	} else {
		m.holders[stack] = hs
	}
	m.broadcast()
	return true
}

// broadcast wakes every waiter. The caller holds m.mu.
func (m *LockManager) broadcast() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Holders returns who holds stack's lock, oldest first.
func (m *LockManager) Holders(stack string) []api.LockInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []api.LockInfo
	for _, h := range m.holders[stack] {
		out = append(out, h.info)
	}
	return out
}

// ForceUnlock releases stack's holder with the given lock id, or every holder
// when id is "", and returns how many it released. A job whose lock is forced
// keeps running; its own release then does nothing.
func (m *LockManager) ForceUnlock(stack, id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs := m.holders[stack]
	var keep []*lockHolder
	n := 0
	for _, h := range hs {
		if id == "" || h.info.ID == id {
			n++
			continue
		}
		keep = append(keep, h)
	}
	if n == 0 {
		return 0
	}
	if len(keep) == 0 {
		delete(m.holders, stack)
	} else {
		m.holders[stack] = keep
	}
	m.broadcast()
	return n
}
