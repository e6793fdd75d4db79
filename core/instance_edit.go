package core

// Editing a stack's instances: add, change, remove (instance_copy.go:
// rename and duplicate). Each edit goes through the wiring guard
// (WiringGuard) where it can change what an import is wired to.

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// InstanceIn returns instance name of st, or a not-found error.
func InstanceIn(st *Stack, name string) (*Instance, error) {
	inst, ok := st.Instance(name)
	if !ok {
		return nil, &NotFoundError{Hint: "devarch instance ls " + st.Name,
			Msg: fmt.Sprintf("stack %q has no instance %q", st.Name, name)}
	}
	return inst, nil
}

// CheckNewInstanceName validates name for a new instance of st.
func CheckNewInstanceName(st *Stack, name string) error {
	if err := ValidateInstanceName(st.Name, name); err != nil {
		return err
	}
	if _, ok := st.Instance(name); ok {
		return &ConflictError{Hint: "pick another name", Msg: fmt.Sprintf("stack %q already has an instance %q", st.Name, name)}
	}
	return nil
}

// AddInstance adds inst to st: its name must be new and its template
// known, and it must not make an import ambiguous.
func AddInstance(st *Stack, tpls map[string]Template, inst Instance) error {
	if err := CheckNewInstanceName(st, inst.Name); err != nil {
		return err
	}
	if inst.Template == "" {
		return &FieldError{Field: "template", Rule: "is required", Hint: "devarch template ls"}
	}
	if _, ok := tpls[inst.Template]; !ok {
		return &FieldError{Field: "template", Rule: fmt.Sprintf("unknown template %q", inst.Template), Hint: "devarch template ls"}
	}
	g := GuardWiring(*st, tpls)
	st.Instances = append(st.Instances, inst)
	return g.Refuse(st, tpls, "adding instance "+inst.Name, WireFirstHint)
}

// EditInstance runs fn on instance name of st (with its template) and
// returns the instance as fn leaves it, with the warnings to show; what
// names the edit ("reset" for a reset). An edit that changes what the
// instance takes part in wiring with (whether it is enabled, its effective
// exports or imports) goes through the same wiring guard as instance add
// and remove: refused when it leaves an import that had a provider without
// one a plan accepts (enabling a second provider makes an import
// ambiguous; disabling the only or explicitly wired provider leaves it
// without one), and the warnings (an import now wired to another provider,
// an optional import left unwired) are returned. An image override alone is
// left to plan, which names the exports to redeclare (instance set
// --keep-exports); a warning names the consumers it leaves unwired.
func EditInstance(st *Stack, tpls map[string]Template, name, what string, fn func(inst *Instance, tpl Template) error) (Instance, []Diagnostic, error) {
	inst, err := InstanceIn(st, name)
	if err != nil {
		return Instance{}, nil, err
	}
	g := GuardWiring(*st, tpls)
	tpl := tpls[inst.Template]
	was := wiringRoleOf(tpl, *inst)
	staleBefore := Merge(tpl, *inst).ExportsStale
	if err := fn(inst, tpl); err != nil {
		return Instance{}, nil, err
	}
	var warns []Diagnostic
	if !staleBefore && Merge(tpl, *inst).ExportsStale {
		warns = append(warns, staleExportsWarning(st.Name, name, g.Before)...)
	}
	if now := wiringRoleOf(tpl, *inst); !reflect.DeepEqual(was, now) {
		verb, hint := "changing", ProvideFirstHint(st.Name)
		switch {
		case now.enabled && !was.enabled:
			verb = "enabling"
		case was.enabled && !now.enabled:
			verb = "disabling"
		case what == "reset":
			verb = "resetting"
		}
		if providesMore(was, now) {
			hint = WireFirstHint
		}
		// Check sorts st: find the instance again by name.
		more, err := g.Check(st, tpls, verb+" instance "+name, hint)
		if err != nil {
			return Instance{}, nil, err
		}
		warns = append(warns, more...)
		if inst, err = InstanceIn(st, name); err != nil {
			return Instance{}, nil, err
		}
	}
	return *inst, warns, nil
}

// RemoveInstance removes instance name from st, with the wires to and from
// it, explicit or automatic alike: refused when that leaves an import
// without a provider a plan accepts; the warnings name the explicit wires
// that go and the imports that change provider or lose an optional one.
func RemoveInstance(st *Stack, tpls map[string]Template, name string) ([]Diagnostic, error) {
	if _, err := InstanceIn(st, name); err != nil {
		return nil, err
	}
	g := GuardWiring(*st, tpls)
	dropped := DroppedWires(st.Wires, name)
	st.Instances = slices.DeleteFunc(st.Instances, func(i Instance) bool { return i.Name == name })
	st.Wires = slices.DeleteFunc(st.Wires, func(w Wire) bool { return w.Consumer == name || w.Provider == name })
	warns, err := g.Check(st, tpls, "removing instance "+name, ProvideFirstHint(st.Name))
	if err != nil {
		return nil, err
	}
	return append(dropped, warns...), nil
}

// wiringRole is what of an instance wiring depends on.
type wiringRole struct {
	enabled bool
	exports []Export
	imports []Import
}

// wiringRoleOf is inst's wiring role, from its effective config.
func wiringRoleOf(tpl Template, inst Instance) wiringRole {
	svc := Merge(tpl, inst)
	return wiringRole{enabled: svc.Enabled, exports: svc.Exports, imports: svc.Imports}
}

// providesMore reports whether now exports some contract type more times
// than was (a disabled instance exports nothing), which can make imports
// ambiguous.
func providesMore(was, now wiringRole) bool {
	count := func(r wiringRole) map[ContractType]int {
		n := map[ContractType]int{}
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

// staleExportsWarning warns, when an image override leaves an instance's
// inherited exports unusable, which consumers wired to it will not plan.
func staleExportsWarning(stack, name string, wires []ResolvedWire) []Diagnostic {
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
	return []Diagnostic{{
		Severity: SeverityWarning, Instance: name,
		Message: fmt.Sprintf("the new image is another repository than the template's: until its exports are declared, %s cannot be wired to %s and the stack will not plan",
			strings.Join(consumers, ", "), name),
		Hint: StaleExportsHint(stack, name),
	}}
}
