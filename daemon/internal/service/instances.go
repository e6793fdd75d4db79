package daemon

import (
	"net/http"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
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

func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	out := []api.InstanceSummary{}
	err := s.Store.View(func(tx *store.Tx) error {
		st, tpls, err := s.stackAndTemplates(tx, stack)
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
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleInstanceAdd(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	var req api.InstanceAddRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
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
		writeError(w, err)
		return
	}
	s.logger().Info("instance added", "stack", stack, "instance", inst.Name, "template", inst.Template)
	writeJSON(w, http.StatusCreated, core.RedactInstance(inst, tpl))
}

func (s *Server) handleInstanceShow(w http.ResponseWriter, r *http.Request) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	var view api.InstanceView
	err := s.Store.View(func(tx *store.Tx) error {
		st, err := getStack(tx, stack)
		if err != nil {
			return err
		}
		inst, err := core.InstanceIn(&st, name)
		if err != nil {
			return err
		}
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		view = instanceView(stack, *inst, tpls, queryBool(r, "effective"))
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// editInstance runs fn on instance name of stack under the stack's edit
// lock (core.EditInstance) and answers with the instance's view (with its
// effective config) and the edit's warnings.
func (s *Server) editInstance(w http.ResponseWriter, r *http.Request, what string,
	fn func(inst *core.Instance, tpl core.Template) error) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
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
		writeError(w, err)
		return
	}
	s.logger().Info("instance "+what, "stack", stack, "instance", name)
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) handleInstanceSet(w http.ResponseWriter, r *http.Request) {
	var req core.InstanceUpdate
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	s.editInstance(w, r, "changed", req.Apply)
}

func (s *Server) handleInstanceReset(w http.ResponseWriter, r *http.Request) {
	var req api.ResetRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.Fields) == 0 {
		writeError(w, core.Errf("fields", "name at least one override: "+strings.Join(core.OverrideFields, ", ")+
			", or env.KEY, labels.KEY, files./path"))
		return
	}
	s.editInstance(w, r, "reset", func(inst *core.Instance, _ core.Template) error {
		return core.ResetOverrides(&inst.Overrides, req.Fields)
	})
}

// renameOrCopy handles rename (duplicate false) and duplicate (true).
func (s *Server) renameOrCopy(w http.ResponseWriter, r *http.Request, duplicate bool) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	var req api.NameRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	var out api.RenamedInstance
	var tpl core.Template
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		out = api.RenamedInstance{}
		var err error
		if duplicate {
			out.Instance, out.RenamedVolumes, err = core.DuplicateInstance(st, tpls, name, req.Name)
		} else {
			out.Instance, out.KeptVolumes, err = core.RenameInstance(st, tpls, name, req.Name)
		}
		tpl = tpls[out.Instance.Template]
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	what, status := "renamed", http.StatusOK
	if duplicate {
		what, status = "duplicated", http.StatusCreated
	}
	s.logger().Info("instance "+what, "stack", stack, "instance", name, "to", req.Name,
		"kept_volumes", out.KeptVolumes, "renamed_volumes", out.RenamedVolumes)
	out.Instance = core.RedactInstance(out.Instance, tpl)
	writeJSON(w, status, out)
}

func (s *Server) handleInstanceRename(w http.ResponseWriter, r *http.Request) {
	s.renameOrCopy(w, r, false)
}

func (s *Server) handleInstanceDuplicate(w http.ResponseWriter, r *http.Request) {
	s.renameOrCopy(w, r, true)
}

func (s *Server) handleInstanceRemove(w http.ResponseWriter, r *http.Request) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	var out api.InstanceRemoved
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		var err error
		out.Warnings, err = core.RemoveInstance(st, tpls, name)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("instance removed", "stack", stack, "instance", name)
	writeJSON(w, http.StatusOK, out)
}
