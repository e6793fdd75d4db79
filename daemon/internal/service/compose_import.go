package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// ImportCompose turns a compose file into user templates and a stack. A
// new stack is created at once, owning the templates the import creates
// ("{stack}-{service}", see core.Template.OwnerStack). Over an existing
// stack the import becomes a saved plan, as an import of a devarch.yml
// does: `apply --plan ID` stores the new definition and replaces the
// templates the stack owns, so the compose file can stay the source of
// truth. A re-import that changes nothing says so and saves no plan.
func (s *Service) ImportCompose(ctx context.Context, c Caller, req api.ImportComposeRequest) (api.ImportResult, error) {
	builtins := catalog.Builtin()
	// req.Environment and req.Sources may hold secrets: they only feed the
	// conversion and are never logged or stored (the values they give are,
	// like any value a compose file holds, and env values named like
	// secrets are secret).
	ci, err := devfile.FromCompose([]byte(req.Content), devfile.ComposeOptions{
		Filename: req.Filename, Stack: req.Stack, WorkDir: req.WorkDir,
		Environment: req.Environment, Profiles: req.Profiles, Files: req.Files,
		Sources:  req.Sources,
		Builtins: slices.Collect(maps.Values(builtins)),
	})
	if err != nil {
		return api.ImportResult{}, err
	}
	for i := range ci.Templates {
		ci.Templates[i].OwnerStack = req.Stack
	}
	release, err := s.locks.Acquire(ctx, api.LockInfo{
		Stack: req.Stack, Operation: "import", Who: c.Who, PID: c.PID, Exclusive: true,
	}, 0)
	if err != nil {
		return api.ImportResult{}, err
	}
	defer release()

	result := api.ImportResult{Stack: req.Stack, Warnings: ci.Warnings}
	for _, t := range ci.Templates {
		result.Templates = append(result.Templates, t.Name)
	}
	var (
		existing *core.Stack
		writes   []core.Template // templates the plan stores
		pending  = ci.Stack
	)
	err = s.store.Update(func(tx *store.Tx) error {
		cur, err := tx.GetStack(req.Stack)
		found := err == nil
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		if writes, err = state.OwnedTemplateWrites(tx, req.Stack, ci.Templates); err != nil {
			var tc *state.TemplateConflict
			if errors.As(err, &tc) {
				return templateConflict(tc)
			}
			return err
		}
		tpls, err := state.Templates(tx)
		if err != nil {
			return err
		}
		tpls = overlayTemplates(tpls, writes)
		if found {
			// Compared with the file as it will be stored.
			core.InheritStackSecrecy(&cur, tpls)
			core.InheritStackSecrecy(&pending, tpls)
			core.SortStack(&pending)
			existing = &cur
			return nil
		}
		for _, t := range writes {
			if err := tx.PutTemplate(t); err != nil {
				return err
			}
		}
		st := ci.Stack
		stampNewStack(&st)
		if err := state.PrepareWrite(tx, &st, tpls, nil); err != nil {
			return err
		}
		result.Created = true
		for _, inst := range st.Instances {
			result.Instances = append(result.Instances, inst.Name)
		}
		return tx.PutStack(st)
	})
	if err != nil {
		return api.ImportResult{}, err
	}
	if existing == nil {
		s.log.Info("compose file imported", "stack", req.Stack, "instances", len(result.Instances))
		return result, nil
	}
	for _, inst := range pending.Instances {
		result.Instances = append(result.Instances, inst.Name)
	}
	return s.planComposeImport(ctx, req, *existing, pending, writes, result)
}

// planComposeImport saves the plan of a compose re-import over existing:
// the new definition, and the templates its apply stores.
func (s *Service) planComposeImport(ctx context.Context, req api.ImportComposeRequest, existing, pending core.Stack, writes []core.Template, result api.ImportResult) (api.ImportResult, error) {
	name := req.Stack
	pending.Lineage, pending.Serial = existing.Lineage, existing.Serial
	pending.CreatedAt, pending.UpdatedAt = existing.CreatedAt, existing.UpdatedAt
	// The file defines what is stored: there is nothing to plan, whether
	// or not the stack has been applied since (plan and apply show that).
	if len(writes) == 0 && sameDefinition(existing, pending) {
		result.Unchanged = true
		return result, nil
	}
	rt, _, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		return api.ImportResult{}, err
	}
	p, err := s.planStack(ctx, name, rt, &pendingStack{Stack: pending, Templates: writes}, false)
	if err != nil {
		return api.ImportResult{}, err
	}
	ttl := time.Duration(req.TTL)
	if ttl <= 0 {
		ttl = defaultPlanTTL
	}
	p.ExpiresAt = p.CreatedAt.Add(ttl)
	if err := s.store.Update(func(tx *store.Tx) error {
		_, err := tx.SavePlan(store.SavedPlan{Plan: p, Stack: &pending, Templates: writes}, time.Now())
		return err
	}); err != nil {
		return api.ImportResult{}, fmt.Errorf("save import plan: %w", err)
	}
	result.PlanID = p.ID
	shown := plan.Redact(p)
	result.Plan = &shown
	result.Warnings = append(result.Warnings, shown.Warnings...)
	s.log.Info("compose import planned over existing stack", "stack", name, "plan", p.ID, "templates", len(writes))
	return result, nil
}

// checkPlanTemplates checks, when a saved import plan is applied, that the
// templates it stores may still be written: none was created meanwhile by
// someone else, nor became used by another stack.
func checkPlanTemplates(tx *store.Tx, stack, planID string, tpls []core.Template) error {
	if _, err := state.OwnedTemplateWrites(tx, stack, tpls); err != nil {
		var tc *state.TemplateConflict
		if errors.As(err, &tc) {
			return errorf(api.CodeStalePlan, "run import-compose again", "plan %s is stale: %s", planID, tc.Error())
		}
		return err
	}
	return nil
}

// overlayTemplates is known with tpls over it: the templates a pending
// definition is built with (an import's, which the checks above allow to
// differ from the known ones only where the stack owns them).
func overlayTemplates(known map[string]core.Template, tpls []core.Template) map[string]core.Template {
	out := maps.Clone(known)
	if out == nil {
		out = map[string]core.Template{}
	}
	for _, t := range tpls {
		out[t.Name] = t
	}
	return out
}
