package daemon

import (
	"cmp"
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/secrets"
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

// loadDesired reads stack name and computes its desired state.
func (s *Server) loadDesired(tx *store.Tx, name string) (core.Stack, core.Desired, error) {
	st, err := getStack(tx, name)
	if err != nil {
		return st, core.Desired{}, err
	}
	tpls, err := s.templates(tx)
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

// mutateStack changes stack name in one transaction: load, fn, validate,
// bump the serial, store. Any error leaves the store unchanged.
func (s *Server) mutateStack(name string, fn func(st *core.Stack, tpls map[string]core.Template) error) (core.Stack, error) {
	var out core.Stack
	err := s.Store.Update(func(tx *store.Tx) error {
		st, err := getStack(tx, name)
		if err != nil {
			return err
		}
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		if err := fn(&st, tpls); err != nil {
			return err
		}
		sortStack(&st)
		if err := core.ValidateStack(st, tpls); err != nil {
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

// sortStack keeps instances sorted by name and wires by consumer, import.
func sortStack(st *core.Stack) {
	slices.SortStableFunc(st.Instances, func(a, b core.Instance) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortStableFunc(st.Wires, func(a, b core.Wire) int {
		return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Import, b.Import))
	})
}

// editLock takes stack's exclusive lock for an edit, failing at once when
// a plan, apply or another edit holds it.
func (s *Server) editLock(r *http.Request, stack string) (func(), error) {
	if s.Locks == nil {
		return func() {}, nil
	}
	p := PeerFrom(r.Context())
	ctx := r.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return s.Locks.Acquire(ctx, api.LockInfo{
		Stack: stack, Operation: "edit", Who: p.Who, PID: p.PID, Exclusive: true,
	}, 0)
}

// redactInstance returns inst with secret override values redacted.
func redactInstance(inst core.Instance) core.Instance {
	inst.Overrides = secrets.RedactOverrides(inst.Overrides)
	return inst
}
