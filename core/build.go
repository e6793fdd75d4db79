package core

import (
	"cmp"
	"fmt"
	"slices"
)

// Build computes st's desired state from its instances and the templates
// they use: each instance's effective config (Merge), its wiring (Resolve),
// the startup order (Order) and the injected env and dependencies (Inject).
// An instance naming an unknown template, or two instances with one name,
// is a FieldErrors (or *FieldError) error and nothing else is computed.
// Wiring problems are a *DiagnosticsError holding every error diagnostic;
// the returned Desired then still holds what could be computed, for display,
// and must not be applied. Warnings are in Desired.Warnings either way.
// Build checks what wiring needs; the rest of a stack's rules are
// ValidateStack's.
func Build(st Stack, templates map[string]Template) (Desired, error) {
	insts := slices.Clone(st.Instances)
	slices.SortStableFunc(insts, func(a, b Instance) int { return cmp.Compare(a.Name, b.Name) })

	var fes FieldErrors
	services := make([]Service, 0, len(insts))
	for i, inst := range insts {
		if i > 0 && insts[i-1].Name == inst.Name {
			fes = append(fes, &FieldError{
				Field: "instances." + inst.Name,
				Rule:  "duplicate instance name: names are unique in a stack",
			})
			continue
		}
		tpl, ok := templates[inst.Template]
		if !ok {
			fes = append(fes, &FieldError{
				Field: "instances." + inst.Name + ".template",
				Rule:  fmt.Sprintf("unknown template %q", inst.Template),
				Hint:  "devarch template ls",
			})
			continue
		}
		svc := Merge(tpl, inst)
		svc.Stopped = inst.Stopped && inst.Enabled
		if svc.Build != nil && svc.Image == "" {
			svc.Image = DefaultBuildImage(st.Name, inst.Name)
			svc.Build.Image = svc.Image
		}
		services = append(services, svc)
	}
	for i, other := range st.JoinNetworks {
		if other == st.Name {
			fes = append(fes, &FieldError{
				Field: fmt.Sprintf("join_networks[%d]", i),
				Rule:  "a stack cannot join its own network",
			})
		}
	}
	if err := fes.Err(); err != nil {
		return Desired{Stack: st.Name, Lineage: st.Lineage, Serial: st.Serial}, err
	}

	wires, unresolved, diags := Resolve(st, services)
	order, orderErr := Order(services, wires)
	wired, injectDiags := Inject(st.Name, services, wires)
	diags = append(diags, injectDiags...)

	d := Desired{
		Stack:      st.Name,
		Lineage:    st.Lineage,
		Serial:     st.Serial,
		Services:   wired,
		Wires:      wires,
		Unresolved: unresolved,
		Order:      order,
		// The defaults are stored as "": a stack in the default modes
		// has the same desired state as before the modes existed.
		ComposeMode:  modeOrEmpty(st.ComposeMode, ComposeModeStack),
		EndpointMode: modeOrEmpty(st.EndpointMode, EndpointDNSRR),
	}
	if len(st.JoinNetworks) > 0 {
		d.JoinNetworks = slices.Sorted(slices.Values(st.JoinNetworks))
		d.JoinNetworks = slices.Compact(d.JoinNetworks)
	}
	var errs []Diagnostic
	for _, diag := range diags {
		if diag.Severity == SeverityError {
			errs = append(errs, diag)
		} else {
			d.Warnings = append(d.Warnings, diag)
		}
	}
	if orderErr != nil && len(errs) == 0 {
		errs = append(errs, Diagnostic{Severity: SeverityError, Message: orderErr.Error()})
	}
	if len(errs) > 0 {
		return d, &DiagnosticsError{Diagnostics: errs}
	}
	return d, nil
}

// modeOrEmpty is mode, or "" when it is the default def.
func modeOrEmpty(mode, def string) string {
	if mode == def {
		return ""
	}
	return mode
}
