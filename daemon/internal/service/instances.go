package service

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/store"
)

// instanceView is inst with its effective config, secrets redacted.
func instanceView(stack string, inst core.Instance, tpls map[string]core.Template, effective bool) api.InstanceView {
	v := api.InstanceView{Stack: stack, Instance: core.RedactInstance(inst, tpls[inst.Template])}
	if effective {
		if tpl, ok := tpls[inst.Template]; ok {
			svc := core.RedactService(core.Merge(tpl, inst))
			v.Effective = &svc
		}
	}
	return v
}

// ListInstances summarizes the instances of stack.
func (s *Service) ListInstances(stack string) ([]api.InstanceSummary, error) {
	out := []api.InstanceSummary{}
	err := s.store.View(func(tx *store.Tx) error {
		st, tpls, err := state.StackAndTemplates(tx, stack)
		if err != nil {
			return err
		}
		for _, inst := range st.Instances {
			sum := api.InstanceSummary{Name: inst.Name, Template: inst.Template, Enabled: inst.Enabled,
				Overridden: inst.Overrides.Set()}
			if tpl, ok := tpls[inst.Template]; ok {
				svc := core.Merge(tpl, inst)
				sum.Image = svc.Image
				for _, p := range svc.Ports {
					sum.Ports = append(sum.Ports, core.FormatPort(p))
				}
			}
			out = append(out, sum)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddInstance adds an instance of a template to stack.
func (s *Service) AddInstance(ctx context.Context, c Caller, stack string, req api.InstanceAddRequest) (core.Instance, error) {
	release, err := s.editLock(ctx, c, stack)
	if err != nil {
		return core.Instance{}, err
	}
	defer release()
	inst := core.Instance{Name: req.Name, Template: req.Template, Enabled: !req.Disabled}
	if req.Volumes != nil {
		vols := slices.Clone(*req.Volumes)
		inst.Overrides.Volumes = &vols
	}
	var tpl core.Template
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		tpl = tpls[req.Template]
		return core.AddInstance(st, tpls, inst)
	})
	if err != nil {
		return core.Instance{}, err
	}
	s.log.Info("instance added", "stack", stack, "instance", inst.Name, "template", inst.Template)
	return core.RedactInstance(inst, tpl), nil
}

// ShowInstance is instance name of stack, secrets redacted, with its
// effective config when effective is set.
func (s *Service) ShowInstance(stack, name string, effective bool) (api.InstanceView, error) {
	var view api.InstanceView
	err := s.store.View(func(tx *store.Tx) error {
		st, err := state.Stack(tx, stack)
		if err != nil {
			return err
		}
		inst, err := core.InstanceIn(&st, name)
		if err != nil {
			return err
		}
		tpls, err := state.Templates(tx)
		if err != nil {
			return err
		}
		view = instanceView(stack, *inst, tpls, effective)
		return nil
	})
	return view, err
}

// editInstance runs fn on instance name of stack under the stack's edit
// lock (core.EditInstance) and answers with the instance's view (with its
// effective config) and the edit's warnings.
func (s *Service) editInstance(ctx context.Context, c Caller, stack, name, what string,
	fn func(inst *core.Instance, tpl core.Template) error) (api.InstanceView, error) {
	release, err := s.editLock(ctx, c, stack)
	if err != nil {
		return api.InstanceView{}, err
	}
	defer release()
	var view api.InstanceView
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		inst, warns, err := core.EditInstance(st, tpls, name, what, fn)
		if err != nil {
			return err
		}
		view = instanceView(stack, inst, tpls, true)
		view.Warnings = warns
		return nil
	})
	if err != nil {
		return api.InstanceView{}, err
	}
	s.log.Info("instance "+what, "stack", stack, "instance", name)
	return view, nil
}

// SetInstance sets or clears the overrides of instance name that req's
// mask names.
// A build it sets must name an existing context directory and Dockerfile
// (the daemon runs as the CLI's user, so it sees the same files).
func (s *Service) SetInstance(ctx context.Context, c Caller, stack, name string, req core.InstanceUpdate) (api.InstanceView, error) {
	return s.editInstance(ctx, c, stack, name, "changed", func(inst *core.Instance, tpl core.Template) error {
		if err := req.Apply(inst, tpl); err != nil {
			return err
		}
		if b := inst.Overrides.Build; b != nil && slices.Contains(req.Mask, "build") {
			return core.CheckBuildPaths("instances."+name+".build", *b, statPath)
		}
		return nil
	})
}

// statPath is core.PathStat on the daemon's file system.
func statPath(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, errors.Unwrap(err) // the path is in the message already
	}
	return fi.IsDir(), nil
}

// ResetInstance drops the overrides req names from instance name.
func (s *Service) ResetInstance(ctx context.Context, c Caller, stack, name string, req api.ResetRequest) (api.InstanceView, error) {
	if len(req.Fields) == 0 {
		return api.InstanceView{}, core.Errf("fields", "name at least one override: "+strings.Join(core.OverrideFields, ", ")+
			", or env.KEY, labels.KEY, files./path")
	}
	return s.editInstance(ctx, c, stack, name, "reset", func(inst *core.Instance, _ core.Template) error {
		return core.ResetOverrides(&inst.Overrides, req.Fields)
	})
}

// RenameInstance renames instance name, keeping its volumes.
func (s *Service) RenameInstance(ctx context.Context, c Caller, stack, name string, req api.NameRequest) (api.RenamedInstance, error) {
	if req.PortOffset != 0 || req.NoPorts {
		return api.RenamedInstance{}, core.Errf("port_offset", "is for a duplicate; a rename keeps the instance's ports")
	}
	return s.renameOrCopy(ctx, c, stack, name, req, false)
}

// DuplicateInstance copies instance name under a new name, with volumes
// of its own.
func (s *Service) DuplicateInstance(ctx context.Context, c Caller, stack, name string, req api.NameRequest) (api.RenamedInstance, error) {
	return s.renameOrCopy(ctx, c, stack, name, req, true)
}

// renameOrCopy is rename (duplicate false) and duplicate (true).
func (s *Service) renameOrCopy(ctx context.Context, c Caller, stack, name string, req api.NameRequest, duplicate bool) (api.RenamedInstance, error) {
	release, err := s.editLock(ctx, c, stack)
	if err != nil {
		return api.RenamedInstance{}, err
	}
	defer release()
	var out api.RenamedInstance
	var tpl core.Template
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		out = api.RenamedInstance{}
		var err error
		if duplicate {
			out.Instance, out.RenamedVolumes, err = core.DuplicateInstanceWith(st, tpls, name, req.Name,
				core.PortChange{Offset: req.PortOffset, NoPorts: req.NoPorts})
		} else {
			out.Instance, out.KeptVolumes, err = core.RenameInstance(st, tpls, name, req.Name)
		}
		tpl = tpls[out.Instance.Template]
		return err
	})
	if err != nil {
		return api.RenamedInstance{}, err
	}
	what := "renamed"
	if duplicate {
		what = "duplicated"
	}
	s.log.Info("instance "+what, "stack", stack, "instance", name, "to", req.Name,
		"kept_volumes", out.KeptVolumes, "renamed_volumes", out.RenamedVolumes)
	out.Instance = core.RedactInstance(out.Instance, tpl)
	return out, nil
}

// RemoveInstance removes instance name from stack.
func (s *Service) RemoveInstance(ctx context.Context, c Caller, stack, name string) (api.InstanceRemoved, error) {
	release, err := s.editLock(ctx, c, stack)
	if err != nil {
		return api.InstanceRemoved{}, err
	}
	defer release()
	var out api.InstanceRemoved
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		var err error
		out.Warnings, err = core.RemoveInstance(st, tpls, name)
		return err
	})
	if err != nil {
		return api.InstanceRemoved{}, err
	}
	s.log.Info("instance removed", "stack", stack, "instance", name)
	return out, nil
}
