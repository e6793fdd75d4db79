package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
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
		if err := checkNewInstanceName(st, req.Name); err != nil {
			return err
		}
		if req.Template == "" {
			return &core.FieldError{Field: "template", Rule: "is required", Hint: "devarch template ls"}
		}
		var ok bool
		if tpl, ok = tpls[req.Template]; !ok {
			return &core.FieldError{Field: "template", Rule: fmt.Sprintf("unknown template %q", req.Template), Hint: "devarch template ls"}
		}
		g := guardWiring(*st, tpls)
		st.Instances = append(st.Instances, inst)
		return g.refuse(st, tpls, "adding instance "+req.Name, wireFirstHint)
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
// An edit that changes what the instance takes part in wiring with (whether
// it is enabled, its effective exports or imports) goes through the same
// wiring guard as instance add and rm: refused when it leaves an import that
// had a provider without one a plan accepts (enabling a second provider
// makes an import ambiguous; disabling the only or explicitly wired provider
// leaves it without one), and the warnings (an import now wired to another
// provider, an optional import left unwired) are in the view. An image
// override alone is left to plan, which names the exports to redeclare
// (instance set --keep-exports).
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
		g := guardWiring(*st, tpls)
		tpl := tpls[inst.Template]
		was := wiringRoleOf(tpl, *inst)
		staleBefore := core.Merge(tpl, *inst).ExportsStale
		if err := fn(st, inst, tpls); err != nil {
			return err
		}
		var warns []core.Diagnostic
		if !staleBefore && core.Merge(tpl, *inst).ExportsStale {
			warns = append(warns, staleExportsWarning(stack, name, g.before)...)
		}
		if now := wiringRoleOf(tpl, *inst); !reflect.DeepEqual(was, now) {
			verb, hint := "changing", provideFirstHint(stack)
			switch {
			case now.enabled && !was.enabled:
				verb = "enabling"
			case was.enabled && !now.enabled:
				verb = "disabling"
			case what == "reset":
				verb = "resetting"
			}
			if providesMore(was, now) {
				hint = wireFirstHint
			}
			// check sorts st: find the instance again by name.
			more, err := g.check(st, tpls, verb+" instance "+name, hint)
			if err != nil {
				return err
			}
			warns = append(warns, more...)
			if inst, err = instanceIn(st, name); err != nil {
				return err
			}
		}
		view = instanceView(stack, *inst, tpls, true)
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

// wiringRole is what of an instance wiring depends on.
type wiringRole struct {
	enabled bool
	exports []core.Export
	imports []core.Import
}

// wiringRoleOf is inst's wiring role, from its effective config.
func wiringRoleOf(tpl core.Template, inst core.Instance) wiringRole {
	svc := core.Merge(tpl, inst)
	return wiringRole{enabled: svc.Enabled, exports: svc.Exports, imports: svc.Imports}
}

// providesMore reports whether now exports some contract type more times
// than was (a disabled instance exports nothing), which can make imports
// ambiguous.
func providesMore(was, now wiringRole) bool {
	count := func(r wiringRole) map[core.ContractType]int {
		n := map[core.ContractType]int{}
		if r.enabled {
			for _, e := range r.exports {
				n[e.Type]++
			}
		}
		return n
	}
	before := count(was)
	for t, n := range count(now) {
		if n > before[t] {
			return true
		}
	}
	return false
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
	var out api.RenamedInstance
	var tpl core.Template
	_, err = s.mutateStack(stack, func(st *core.Stack, tpls map[string]core.Template) error {
		src, err := instanceIn(st, name)
		if err != nil {
			return err
		}
		tpl = tpls[src.Template]
		if err := checkNewInstanceName(st, req.Name); err != nil {
			return err
		}
		out = api.RenamedInstance{}
		if !duplicate {
			out.KeptVolumes = pinScopedVolumes(src, tpls[src.Template])
			src.Name = req.Name
			for i := range st.Wires {
				if st.Wires[i].Consumer == name {
					st.Wires[i].Consumer = req.Name
				}
				if st.Wires[i].Provider == name {
					st.Wires[i].Provider = req.Name
				}
			}
			out.Instance = *src
			return nil
		}
		g := guardWiring(*st, tpls)
		dup, err := cloneInstance(*src)
		if err != nil {
			return err
		}
		dup.Name = req.Name
		if out.RenamedVolumes, err = rescopeVolumes(&dup, name, tpls[src.Template]); err != nil {
			return err
		}
		for _, wire := range slices.Clone(st.Wires) {
			if wire.Consumer == name {
				wire.Consumer = req.Name
				st.Wires = append(st.Wires, wire)
			}
		}
		st.Instances = append(st.Instances, dup)
		out.Instance = dup
		return g.refuse(st, tpls, fmt.Sprintf("duplicating instance %s as %s", name, req.Name), wireFirstHint)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	what := "renamed"
	if duplicate {
		what = "duplicated"
	}
	s.logger().Info("instance "+what, "stack", stack, "instance", name, "to", req.Name,
		"kept_volumes", out.KeptVolumes, "renamed_volumes", out.RenamedVolumes)
	status := http.StatusOK
	if duplicate {
		status = http.StatusCreated
	}
	out.Instance = core.RedactInstance(out.Instance, tpl)
	writeJSON(w, status, out)
}

// pinScopedVolumes keeps an instance that is renamed on its data. Template
// named volumes are scoped to the instance name (postgres-data of db is
// db-postgres-data), so after a rename the next apply would start the
// instance on a new, empty volume. When inst has no volumes override and its
// effective volumes include such scoped volumes, the override is set to its
// current effective volumes (the old names). It returns the kept names.
func pinScopedVolumes(inst *core.Instance, tpl core.Template) []string {
	if inst.Overrides.Volumes != nil {
		return nil // volumes the instance sets are used as named; a rename keeps them
	}
	var kept []string
	for _, v := range tpl.Volumes {
		if core.IsNamedVolume(v.Source) {
			kept = append(kept, inst.Name+"-"+v.Source)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	vols := core.Merge(tpl, *inst).Volumes
	inst.Overrides.Volumes = &vols
	return kept
}

// rescopeVolumes keeps a duplicate from sharing its source's data. The
// copy's volumes override (copied from the source, name src) may name
// volumes scoped to the source: SRC-x becomes DST-x. A named volume mounted
// where the template mounts a named volume t and named like a scoped copy
// of it (OTHER-t, e.g. kept by an earlier rename) becomes DST-t too. Other
// volumes, and host paths, are left as they are. It returns old -> new.
// When DST-t is the very volume the source mounts (the source was renamed
// from DST and kept DST-t: duplicating it back under its old name), the copy
// cannot get a volume of its own by this rule and the duplicate is refused.
func rescopeVolumes(dup *core.Instance, src string, tpl core.Template) (map[string]string, error) {
	if dup.Overrides.Volumes == nil {
		return nil, nil
	}
	renamed := map[string]string{}
	var fes core.FieldErrors
	vols := *dup.Overrides.Volumes
	for i, v := range vols {
		if !core.IsNamedVolume(v.Source) {
			continue
		}
		to := ""
		if rest, ok := strings.CutPrefix(v.Source, src+"-"); ok && rest != "" {
			to = dup.Name + "-" + rest
		} else {
			for _, tv := range tpl.Volumes {
				if tv.Target == v.Target && core.IsNamedVolume(tv.Source) && strings.HasSuffix(v.Source, "-"+tv.Source) {
					to = dup.Name + "-" + tv.Source
					break
				}
			}
		}
		switch {
		case to == v.Source:
			fes = append(fes, &core.FieldError{
				Field: fmt.Sprintf("instances.%s.volumes[%d]", dup.Name, i),
				Rule: fmt.Sprintf("volume %s, which instance %s kept when it was renamed from %s, would be the copy's own volume too: a copy never shares its source's data",
					v.Source, src, dup.Name),
				Hint: "give the copy another name",
			})
		case to != "":
			renamed[v.Source] = to
			vols[i].Source = to
		}
	}
	if err := fes.Err(); err != nil {
		return nil, err
	}
	if len(renamed) == 0 {
		return nil, nil
	}
	return renamed, nil
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
		if _, err := instanceIn(st, name); err != nil {
			return err
		}
		// Wires to the instance go with it, explicit or automatic alike:
		// refused when that leaves an import without a provider a plan
		// accepts, warnings otherwise (see wiringGuard).
		g := guardWiring(*st, tpls)
		dropped := droppedWires(st.Wires, name)
		st.Instances = slices.DeleteFunc(st.Instances, func(i core.Instance) bool { return i.Name == name })
		st.Wires = slices.DeleteFunc(st.Wires, func(w core.Wire) bool { return w.Consumer == name || w.Provider == name })
		warns, err := g.check(st, tpls, "removing instance "+name, provideFirstHint(stack))
		out.Warnings = append(dropped, warns...)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("instance removed", "stack", stack, "instance", name)
	writeJSON(w, http.StatusOK, out)
}

// staleExportsWarning warns, when an image override leaves an instance's
// inherited exports unusable, which consumers wired to it will not plan.
func staleExportsWarning(stack, name string, wires []core.ResolvedWire) []core.Diagnostic {
	var consumers []string
	for _, w := range wires {
		if w.Provider == name && !slices.Contains(consumers, w.Consumer) {
			consumers = append(consumers, w.Consumer)
		}
	}
	if len(consumers) == 0 {
		return nil
	}
	slices.Sort(consumers)
	return []core.Diagnostic{{
		Severity: core.SeverityWarning, Instance: name,
		Message: fmt.Sprintf("the new image is another repository than the template's: until its exports are declared, %s cannot be wired to %s and the stack will not plan",
			strings.Join(consumers, ", "), name),
		Hint: core.StaleExportsHint(stack, name),
	}}
}
