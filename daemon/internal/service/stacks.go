package service

import (
	"cmp"
	"context"
	"os"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// CreateStack stores a new, empty stack.
func (s *Service) CreateStack(req api.StackCreateRequest) (core.Stack, error) {
	if err := core.ValidateStackName(req.Name); err != nil {
		return core.Stack{}, err
	}
	st := core.Stack{
		Name:         req.Name,
		Description:  req.Description,
		Environment:  req.Environment,
		JoinNetworks: req.JoinNetworks,
	}
	stampNewStack(&st)
	err := s.store.Update(func(tx *store.Tx) error {
		if _, err := tx.GetStack(req.Name); err == nil {
			return errorf(api.CodeConflict, "pick another name, or see it with `devarch stack show "+req.Name+"`",
				"stack %q already exists", req.Name)
		} else if !store.IsNotFound(err) {
			return err
		}
		tpls, err := state.Templates(tx)
		if err != nil {
			return err
		}
		if err := state.PrepareWrite(tx, &st, tpls, nil); err != nil {
			return err
		}
		return tx.PutStack(st)
	})
	if err != nil {
		return core.Stack{}, err
	}
	s.log.Info("stack created", "stack", st.Name, "lineage", st.Lineage)
	return st, nil
}

// SetStack changes a stack's description, environment, joined networks,
// compose mode or swarm endpoint mode, under the same edit lock and validation as any change.
func (s *Service) SetStack(ctx context.Context, c Caller, name string, req api.StackSetRequest) (core.Stack, error) {
	release, err := s.editLock(ctx, c, name)
	if err != nil {
		return core.Stack{}, err
	}
	defer release()
	st, err := s.mutateStack(name, func(st *core.Stack, _ map[string]core.Template) error {
		if req.Description != nil {
			st.Description = *req.Description
		}
		if req.Environment != nil {
			st.Environment = *req.Environment
		}
		if req.JoinNetworks != nil {
			st.JoinNetworks = slices.Clone(*req.JoinNetworks)
			if len(st.JoinNetworks) == 0 {
				st.JoinNetworks = nil
			}
		}
		if req.ComposeMode != nil {
			if err := core.ValidateComposeMode("compose_mode", *req.ComposeMode); err != nil {
				return err
			}
			st.ComposeMode = *req.ComposeMode
			if st.ComposeMode == core.ComposeModeStack {
				st.ComposeMode = "" // the default is stored as none
			}
		}
		if req.EndpointMode != nil {
			if err := core.ValidateEndpointMode("endpoint_mode", *req.EndpointMode); err != nil {
				return err
			}
			st.EndpointMode = *req.EndpointMode
			if st.EndpointMode == core.EndpointDNSRR {
				st.EndpointMode = ""
			}
		}
		return nil
	})
	if err != nil {
		return core.Stack{}, err
	}
	s.log.Info("stack changed", "stack", name, "serial", st.Serial)
	return core.RedactStack(st), nil
}

// ListStacks summarizes every stack, sorted by name, from the store's
// summary records (no stack is opened).
func (s *Service) ListStacks() ([]api.StackSummary, error) {
	out := []api.StackSummary{}
	err := s.store.View(func(tx *store.Tx) error {
		sums, err := tx.ListSummaries()
		if err != nil {
			return err
		}
		for _, sum := range sums {
			out = append(out, api.StackSummary{
				Name: sum.Name, Description: sum.Description, Environment: sum.Environment,
				Instances: sum.Instances, Serial: sum.Serial, Lineage: sum.Lineage,
				AppliedAt: sum.AppliedAt, AppliedSerial: sum.AppliedSerial,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b api.StackSummary) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// ShowStack is stack name, secrets redacted, with the runtime it is bound to.
func (s *Service) ShowStack(name string) (api.StackView, error) {
	var view api.StackView
	err := s.store.View(func(tx *store.Tx) error {
		st, err := state.Stack(tx, name)
		if err != nil {
			return err
		}
		view.Stack = core.RedactStack(st)
		switch b, err := tx.GetBinding(name); {
		case err == nil:
			view.RuntimeKind = b.Kind
		case !store.IsNotFound(err):
			return err
		}
		return nil
	})
	return view, err
}

// RemoveStack deletes a stack that has no applied containers and that no
// other stack joins, with its saved plans and config files.
func (s *Service) RemoveStack(ctx context.Context, c Caller, name string) error {
	release, err := s.editLock(ctx, c, name)
	if err != nil {
		return err
	}
	defer release()
	err = s.store.Update(func(tx *store.Tx) error {
		if _, err := state.Stack(tx, name); err != nil {
			return err
		}
		if _, err := tx.GetApplied(name); err == nil {
			return errorf(api.CodeConflict, "destroy it first: devarch destroy "+name,
				"stack %q has applied containers", name)
		} else if !store.IsNotFound(err) {
			return err
		}
		if joiners, applied, err := state.Joiners(tx, name); err != nil {
			return err
		} else if len(joiners) > 0 {
			return core.JoinersError(name, "remove", joiners, "", len(applied) > 0)
		}
		if err := tx.DeletePlansForStack(name); err != nil && !store.IsNotFound(err) {
			return err
		}
		if err := tx.DeleteStack(name); err != nil {
			return err
		}
		// The templates its import-compose created go with it, unless
		// another stack uses them.
		return state.DropOwnedTemplates(tx, name)
	})
	if err != nil {
		return err
	}
	if err := apply.RemoveFiles(s.filesDir(name)); err != nil && !os.IsNotExist(err) {
		s.log.Warn("remove stack files", "stack", name, "err", err)
	}
	s.log.Info("stack removed", "stack", name)
	return nil
}

// FileSources lists the config files of stack name that follow a file on
// the client's host, for the client to read and send with a plan; the
// daemon never opens them. Never nil.
func (s *Service) FileSources(name string) ([]core.FileSource, error) {
	out := []core.FileSource{}
	err := s.store.View(func(tx *store.Tx) error {
		st, err := state.Stack(tx, name)
		if err != nil {
			return err
		}
		out = append(out, core.FileSources(st)...)
		return nil
	})
	return out, err
}
