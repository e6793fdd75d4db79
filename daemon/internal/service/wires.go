package service

import (
	"context"
	"errors"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/compose"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// wiresView resolves st's wiring. Wiring errors are reported as
// diagnostics in the view, not as an error.
func wiresView(st core.Stack, tpls map[string]core.Template) (api.WiresView, error) {
	v := api.WiresView{Stack: st.Name, Explicit: st.Wires}
	d, err := core.Build(st, tpls)
	var diags *core.DiagnosticsError
	switch {
	case errors.As(err, &diags):
		v.Diagnostics = append(v.Diagnostics, diags.Diagnostics...)
	case err != nil:
		return v, err
	}
	v.Diagnostics = append(v.Diagnostics, d.Warnings...)
	v.Wires, v.Unresolved = d.Wires, d.Unresolved
	return v, nil
}

// Wires is stack's wiring, explicit and resolved, with its diagnostics.
func (s *Service) Wires(stack string) (api.WiresView, error) {
	var v api.WiresView
	err := s.store.View(func(tx *store.Tx) error {
		st, tpls, err := state.StackAndTemplates(tx, stack)
		if err != nil {
			return err
		}
		v, err = wiresView(st, tpls)
		return err
	})
	return v, err
}

// AddWire adds an explicit wire to stack.
func (s *Service) AddWire(ctx context.Context, c Caller, stack string, wire core.Wire) (api.WiresView, error) {
	return s.editWires(ctx, c, stack, func(st *core.Stack, tpls map[string]core.Template) error {
		return core.AddWire(st, tpls, wire)
	})
}

// RemoveWire removes the explicit wire of consumer's import imp.
func (s *Service) RemoveWire(ctx context.Context, c Caller, stack, consumer, imp string) (api.WiresView, error) {
	return s.editWires(ctx, c, stack, func(st *core.Stack, _ map[string]core.Template) error {
		return core.RemoveWire(st, consumer, imp)
	})
}

// editWires changes stack's wires under its edit lock and answers with
// the resulting wiring.
func (s *Service) editWires(ctx context.Context, c Caller, stack string, fn func(st *core.Stack, tpls map[string]core.Template) error) (api.WiresView, error) {
	release, err := s.editLock(ctx, c, stack)
	if err != nil {
		return api.WiresView{}, err
	}
	defer release()
	var v api.WiresView
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		if err := fn(st, tpls); err != nil {
			return err
		}
		core.SortStack(st)
		var err error
		v, err = wiresView(*st, tpls)
		if v.Stack == "" {
			v.Stack = stack
		}
		return err
	})
	if err != nil {
		return api.WiresView{}, err
	}
	s.log.Info("wires changed", "stack", stack)
	return v, nil
}

// Config is the compose project stack generates, secret values shown only
// with showSecrets, with the warnings of its desired state and the host
// ports other stacks also publish.
func (s *Service) Config(stack string, showSecrets bool) (api.ConfigView, error) {
	var d core.Desired
	err := s.store.View(func(tx *store.Tx) error {
		st, tpls, err := state.StackAndTemplates(tx, stack)
		if err != nil {
			return err
		}
		if d, err = core.Build(st, tpls); err != nil {
			return err
		}
		others, err := state.OtherPorts(tx, d)
		if err != nil {
			return err
		}
		d.Warnings = append(d.Warnings, core.PortConflicts(d, others)...)
		return nil
	})
	if err != nil {
		return api.ConfigView{}, err
	}
	out, err := compose.Generate(d, compose.Options{ShowSecrets: showSecrets, FilesDir: s.filesDir(stack)})
	if err != nil {
		return api.ConfigView{}, err
	}
	return api.ConfigView{
		Stack: stack, Project: core.ProjectName(stack), YAML: string(out), Warnings: d.Warnings,
	}, nil
}
