package daemon

import (
	"cmp"
	"net/http"
	"os"
	"slices"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

func (s *Server) handleStackCreate(w http.ResponseWriter, r *http.Request) {
	var req api.StackCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := core.ValidateStackName(req.Name); err != nil {
		writeError(w, err)
		return
	}
	st := core.Stack{
		Name:         req.Name,
		Description:  req.Description,
		Environment:  req.Environment,
		JoinNetworks: req.JoinNetworks,
	}
	stampNewStack(&st)
	err := s.Store.Update(func(tx *store.Tx) error {
		if _, err := tx.GetStack(req.Name); err == nil {
			return errorf(api.CodeConflict, "pick another name, or see it with `devarch stack show "+req.Name+"`",
				"stack %q already exists", req.Name)
		} else if !store.IsNotFound(err) {
			return err
		}
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		if err := prepareStackWrite(tx, &st, tpls, nil); err != nil {
			return err
		}
		return tx.PutStack(st)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("stack created", "stack", st.Name, "lineage", st.Lineage)
	writeJSON(w, http.StatusCreated, st)
}

// handleStackSet changes a stack's description, environment or joined
// networks, under the same edit lock and validation as any change.
func (s *Server) handleStackSet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var req api.StackSetRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	release, err := s.editLock(r, name)
	if err != nil {
		writeError(w, err)
		return
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
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("stack changed", "stack", name, "serial", st.Serial)
	writeJSON(w, http.StatusOK, core.RedactStack(st))
}

func (s *Server) handleStackList(w http.ResponseWriter, r *http.Request) {
	out := []api.StackSummary{}
	err := s.Store.View(func(tx *store.Tx) error {
		stacks, err := tx.ListStacks()
		if err != nil {
			return err
		}
		for _, st := range stacks {
			sum := api.StackSummary{
				Name: st.Name, Description: st.Description, Environment: st.Environment,
				Instances: len(st.Instances), Serial: st.Serial, Lineage: st.Lineage,
			}
			ap, err := tx.GetApplied(st.Name)
			switch {
			case err == nil:
				at := ap.AppliedAt
				sum.AppliedAt = &at
				sum.AppliedSerial = ap.Desired.Serial
			case !store.IsNotFound(err):
				return err
			}
			out = append(out, sum)
		}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	slices.SortFunc(out, func(a, b api.StackSummary) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleStackShow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var view api.StackView
	err := s.Store.View(func(tx *store.Tx) error {
		st, err := getStack(tx, name)
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
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) handleStackRemove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	release, err := s.editLock(r, name)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	err = s.Store.Update(func(tx *store.Tx) error {
		if _, err := getStack(tx, name); err != nil {
			return err
		}
		if _, err := tx.GetApplied(name); err == nil {
			return errorf(api.CodeConflict, "destroy it first: devarch destroy "+name,
				"stack %q has applied containers", name)
		} else if !store.IsNotFound(err) {
			return err
		}
		if joiners, applied, err := joinersOf(tx, name); err != nil {
			return err
		} else if len(joiners) > 0 {
			return core.JoinersError(name, "remove", joiners, "", len(applied) > 0)
		}
		if err := tx.DeletePlansForStack(name); err != nil && !store.IsNotFound(err) {
			return err
		}
		return tx.DeleteStack(name)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	if err := removeFiles(s.filesDir(name)); err != nil && !os.IsNotExist(err) {
		s.logger().Warn("remove stack files", "stack", name, "err", err)
	}
	s.logger().Info("stack removed", "stack", name)
	writeJSON(w, http.StatusOK, struct{}{})
}
