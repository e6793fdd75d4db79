package service

import (
	"context"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// CopyStack stores a copy of stack src, its secrets included, as the new
// stack req.Name, in one transaction: the secrets never leave the daemon.
// Published host ports are shifted by req.PortOffset or dropped with
// req.NoPorts. The copy has an identity of its own (lineage, serial 1);
// nothing of it is applied. The answer has its secrets redacted.
func (s *Service) CopyStack(ctx context.Context, c Caller, src string, req api.StackCopyRequest) (core.Stack, error) {
	release, err := s.editLock(ctx, c, src)
	if err != nil {
		return core.Stack{}, err
	}
	defer release()
	var out core.Stack
	err = s.store.Update(func(tx *store.Tx) error {
		st, tpls, err := state.StackAndTemplates(tx, src)
		if err != nil {
			return err
		}
		if _, err := tx.GetStack(req.Name); err == nil {
			return errorf(api.CodeConflict, "pick another name, or remove it with `devarch stack rm "+req.Name+"`",
				"stack %q already exists", req.Name)
		} else if !store.IsNotFound(err) {
			return err
		}
		cp, err := core.CopyStack(st, tpls, req.Name, core.PortChange{Offset: req.PortOffset, NoPorts: req.NoPorts})
		if err != nil {
			return err
		}
		stampNewStack(&cp)
		if err := state.PrepareWrite(tx, &cp, tpls, nil); err != nil {
			return err
		}
		out = cp
		return tx.PutStack(cp)
	})
	if err != nil {
		return core.Stack{}, err
	}
	s.log.Info("stack copied", "stack", src, "to", req.Name, "port_offset", req.PortOffset, "no_ports", req.NoPorts,
		"at", time.Now().UTC())
	return core.RedactStack(out), nil
}
