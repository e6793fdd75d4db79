package service

import (
	"context"
	"errors"
	"strings"
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
// nothing of it is applied. The templates src's import-compose created
// ("{src}-{service}", owned by src) are copied as "{dst}-{service}", owned
// by the copy, so each stack's templates follow its own compose file and
// go with it. The answer has its secrets redacted.
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
		owned := ownedTemplateCopies(&cp, tpls, src)
		writes, err := state.OwnedTemplateWrites(tx, req.Name, owned)
		if err != nil {
			var tc *state.TemplateConflict
			if errors.As(err, &tc) {
				return templateConflict(tc)
			}
			return err
		}
		tpls = overlayTemplates(tpls, owned)
		stampNewStack(&cp)
		if err := state.PrepareWrite(tx, &cp, tpls, nil); err != nil {
			return err
		}
		for _, t := range writes {
			if err := tx.PutTemplate(t); err != nil {
				return err
			}
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

// ownedTemplateCopies points cp's instances whose template src owns at a
// copy of it named after cp ("{cp}-{service}", owned by cp) and returns
// those copies, once each.
func ownedTemplateCopies(cp *core.Stack, tpls map[string]core.Template, src string) []core.Template {
	var out []core.Template
	seen := map[string]bool{}
	for i, inst := range cp.Instances {
		t, ok := tpls[inst.Template]
		rest, named := strings.CutPrefix(inst.Template, src+"-")
		if !ok || t.OwnerStack != src || !named {
			continue
		}
		t.Name, t.OwnerStack = cp.Name+"-"+rest, cp.Name
		cp.Instances[i].Template = t.Name
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	return out
}
