package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

// instanceNotFound names an instance missing from a stack.
func instanceNotFound(stack, name string) error {
	return errorf(api.CodeNotFound, "devarch instance ls "+stack, "stack %q has no instance %q", stack, name)
}

// instanceIn returns instance name of st, or a not-found error.
func instanceIn(st *core.Stack, name string) (*core.Instance, error) {
	inst, ok := st.Instance(name)
	if !ok {
		return nil, instanceNotFound(st.Name, name)
	}
	return inst, nil
}

// checkNewInstanceName validates name for a new instance of st.
func checkNewInstanceName(st *core.Stack, name string) error {
	if err := core.ValidateInstanceName(st.Name, name); err != nil {
		return err
	}
	if _, ok := st.Instance(name); ok {
		return errorf(api.CodeConflict, "pick another name", "stack %q already has an instance %q", st.Name, name)
	}
	return nil
}

// instanceView is inst with its effective config, secrets redacted.
func instanceView(stack string, inst core.Instance, tpls map[string]core.Template, effective bool) api.InstanceView {
	v := api.InstanceView{Stack: stack, Instance: redactInstance(inst)}
	if effective {
		if tpl, ok := tpls[inst.Template]; ok {
			svc := secrets.RedactService(core.Merge(tpl, inst))
			v.Effective = &svc
		}
	}
	return v
}

func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) {
	stack := r.PathValue("stack")
	out := []api.InstanceSummary{}
	err := s.Store.View(func(tx *store.Tx) error {
		st, err := getStack(tx, stack)
		if err != nil {
			return err
		}
		tpls, err := s.templates(tx)
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
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		if err := checkNewInstanceName(st, req.Name); err != nil {
			return err
		}
		if req.Template == "" {
			return &core.FieldError{Field: "template", Rule: "is required", Hint: "devarch template ls"}
		}
		if _, ok := tpls[req.Template]; !ok {
			return &core.FieldError{Field: "template", Rule: fmt.Sprintf("unknown template %q", req.Template), Hint: "devarch template ls"}
		}
		st.Instances = append(st.Instances, inst)
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("instance added", "stack", stack, "instance", inst.Name, "template", inst.Template)
	writeJSON(w, http.StatusCreated, redactInstance(inst))
}

func (s *Server) handleInstanceShow(w http.ResponseWriter, r *http.Request) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	var view api.InstanceView
	err := s.Store.View(func(tx *store.Tx) error {
		st, err := getStack(tx, stack)
		if err != nil {
			return err
		}
		inst, err := instanceIn(&st, name)
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
// lock and answers with the instance's view (with its effective config).
func (s *Server) editInstance(w http.ResponseWriter, r *http.Request, what string,
	fn func(st *core.Stack, inst *core.Instance, tpls map[string]core.Template) error) {
	stack, name := r.PathValue("stack"), r.PathValue("name")
	release, err := s.editLock(r, stack)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	var view api.InstanceView
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		inst, err := instanceIn(st, name)
		if err != nil {
			return err
		}
		if err := fn(st, inst, tpls); err != nil {
			return err
		}
		view = instanceView(stack, *inst, tpls, true)
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
	var req api.InstanceSetRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	s.editInstance(w, r, "changed", func(st *core.Stack, inst *core.Instance, tpls map[string]core.Template) error {
		return applySet(inst, tpls[inst.Template], req)
	})
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
	s.editInstance(w, r, "reset", func(st *core.Stack, inst *core.Instance, tpls map[string]core.Template) error {
		return resetFields(&inst.Overrides, req.Fields)
	})
}

// cloneInstance deep-copies inst.
func cloneInstance(inst core.Instance) (core.Instance, error) {
	b, err := json.Marshal(inst)
	if err != nil {
		return core.Instance{}, fmt.Errorf("copy instance: %w", err)
	}
	var out core.Instance
	if err := json.Unmarshal(b, &out); err != nil {
		return core.Instance{}, fmt.Errorf("copy instance: %w", err)
	}
	return out, nil
}

// renameOrCopy handles rename (copy false) and duplicate (copy true).
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
	var out core.Instance
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		src, err := instanceIn(st, name)
		if err != nil {
			return err
		}
		if err := checkNewInstanceName(st, req.Name); err != nil {
			return err
		}
		if !duplicate {
			src.Name = req.Name
			for i := range st.Wires {
				if st.Wires[i].Consumer == name {
					st.Wires[i].Consumer = req.Name
				}
				if st.Wires[i].Provider == name {
					st.Wires[i].Provider = req.Name
				}
			}
			out = *src
			return nil
		}
		dup, err := cloneInstance(*src)
		if err != nil {
			return err
		}
		dup.Name = req.Name
		for _, wire := range slices.Clone(st.Wires) {
			if wire.Consumer == name {
				wire.Consumer = req.Name
				st.Wires = append(st.Wires, wire)
			}
		}
		st.Instances = append(st.Instances, dup)
		out = dup
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	what := "renamed"
	if duplicate {
		what = "duplicated"
	}
	s.logger().Info("instance "+what, "stack", stack, "instance", name, "to", req.Name)
	status := http.StatusOK
	if duplicate {
		status = http.StatusCreated
	}
	writeJSON(w, status, redactInstance(out))
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
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		if _, err := instanceIn(st, name); err != nil {
			return err
		}
		var users []string
		for _, wire := range st.Wires {
			if wire.Provider == name {
				users = append(users, wire.Consumer+"."+wire.Import)
			}
		}
		if len(users) > 0 {
			return errorf(api.CodeConflict, "unwire them first: devarch unwire "+stack+" CONSUMER.IMPORT",
				"instance %q is wired explicitly as the provider of %s", name, strings.Join(users, ", "))
		}
		st.Instances = slices.DeleteFunc(st.Instances, func(i core.Instance) bool { return i.Name == name })
		st.Wires = slices.DeleteFunc(st.Wires, func(w core.Wire) bool { return w.Consumer == name })
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("instance removed", "stack", stack, "instance", name)
	writeJSON(w, http.StatusOK, struct{}{})
}
