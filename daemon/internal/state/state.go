package daemon

import (
	"net/http"
	"path/filepath"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// builtinTemplates returns the catalog shipped in the binary, by name.
func builtinTemplates() map[string]core.Template {
	out := map[string]core.Template{}
	for name, t := range catalog.Builtin() {
		t.Builtin = true
		out[name] = t
	}
	return out
}

// templates returns every template a stack may use: the built-in catalog
// plus the user's templates. A user template never shadows a built-in one.
func (s *Server) templates(tx *store.Tx) (map[string]core.Template, error) {
	out := builtinTemplates()
	user, err := tx.ListTemplates()
	if err != nil {
		return nil, err
	}
	for _, t := range user {
		if _, ok := out[t.Name]; ok {
			continue
		}
		t.Builtin = false
		out[t.Name] = t
	}
	return out, nil
}

// getStack reads stack name, or a not-found error naming it.
func getStack(tx *store.Tx, name string) (core.Stack, error) {
	st, err := tx.GetStack(name)
	if store.IsNotFound(err) {
		return st, errorf(api.CodeNotFound, "devarch stack ls", "stack %q not found", name)
	}
	return st, err
}

// stackAndTemplates reads stack name and every template it may use.
func (s *Server) stackAndTemplates(tx *store.Tx, name string) (core.Stack, map[string]core.Template, error) {
	st, err := getStack(tx, name)
	if err != nil {
		return st, nil, err
	}
	tpls, err := s.templates(tx)
	return st, tpls, err
}

// loadDesired reads stack name and computes its desired state.
func (s *Server) loadDesired(tx *store.Tx, name string) (core.Stack, core.Desired, error) {
	st, tpls, err := s.stackAndTemplates(tx, name)
	if err != nil {
		return st, core.Desired{}, err
	}
	d, err := core.Build(st, tpls)
	return st, d, err
}

// filesDir is where a stack's config files are materialized.
func (s *Server) filesDir(stack string) string {
	return filepath.Join(s.Home, "stacks", stack)
}

// mutateStack changes stack name in one transaction: load, fn, mark the
// overrides the templates say are secret (core.InheritStackSecrecy),
// validate, bump the serial, store. Any error leaves the store unchanged.
func (s *Server) mutateStack(name string, fn func(st *core.Stack, tpls map[string]core.Template) error) (core.Stack, error) {
	var out core.Stack
	err := s.Store.Update(func(tx *store.Tx) error {
		st, tpls, err := s.stackAndTemplates(tx, name)
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
		if err := prepareStackWrite(tx, &st, tpls, had); err != nil {
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

// prepareStackWrite readies st to be stored, as every write of a stack
// does: a key or file its templates mark secret is marked secret whatever
// flag the input gave it (a plain --env of a password), instances and wires
// are sorted, and the rules a stored stack keeps are checked: fields and
// wires, compose fragments, container names unique across stacks, joins.
// had names the instances st had before the edit (nil for a new stack), so
// older data does not block unrelated edits.
func prepareStackWrite(tx *store.Tx, st *core.Stack, tpls map[string]core.Template, had map[string]bool) error {
	core.InheritStackSecrecy(st, tpls)
	core.SortStack(st)
	if err := core.ValidateStack(*st, tpls); err != nil {
		return err
	}
	if err := compose.ValidateFragments(*st); err != nil {
		return err
	}
	if err := checkContainerNames(tx, *st, had); err != nil {
		return err
	}
	return checkJoins(tx, *st, had)
}

// stampNewStack gives a stack about to be created its identity: a random
// lineage, serial 1, and its creation time.
func stampNewStack(st *core.Stack) {
	now := time.Now().UTC()
	st.Lineage, st.Serial, st.CreatedAt, st.UpdatedAt = randomHex(16), 1, now, now
}

// checkContainerNames is core.CheckContainerNames of st against the
// stored stacks.
func checkContainerNames(tx *store.Tx, st core.Stack, had map[string]bool) error {
	return core.CheckContainerNames(st, had, func() (map[string]core.ContainerOwner, error) {
		stacks, err := tx.ListStacks()
		if err != nil {
			return nil, err
		}
		return core.ContainerOwners(stacks, st.Name), nil
	})
}

// editLockWait bounds how long an edit waits for the stack's lock. Edits
// hold the lock only for one short transaction, so concurrent edits queue
// instead of failing; an edit still fails (naming the holder) when a plan or
// an apply keeps the lock longer than this.
var editLockWait = 10 * time.Second

// editLock takes stack's exclusive lock for an edit, waiting up to
// editLockWait while a plan, apply or another edit holds it.
func (s *Server) editLock(r *http.Request, stack string) (func(), error) {
	p := PeerFrom(r.Context())
	return s.Locks.Acquire(r.Context(), api.LockInfo{
		Stack: stack, Operation: "edit", Who: p.Who, PID: p.PID, Exclusive: true,
	}, editLockWait)
}
