package core

// Rules across stacks: container names unique across them (refused), host
// ports another stack publishes too (warned, PortConflicts).

import "fmt"

// ContainerOwner is the stack and instance a container name belongs to.
type ContainerOwner struct{ Stack, Instance string }

// ContainerNameRule is the rule a container-name clash breaks.
const ContainerNameRule = "container names devarch-STACK-INSTANCE must be unique across stacks"

// ContainerOwners maps the container names of stacks, but skip's, to their
// owner.
func ContainerOwners(stacks []Stack, skip string) map[string]ContainerOwner {
	out := map[string]ContainerOwner{}
	for _, o := range stacks {
		if o.Name == skip {
			continue
		}
		for _, inst := range o.Instances {
			out[ContainerName(o.Name, inst.Name)] = ContainerOwner{o.Name, inst.Name}
		}
	}
	return out
}

// CheckContainerNames refuses instances of st whose container name
// (devarch-STACK-INSTANCE) is already the container name of another stack's
// instance: stack rv1-k instance y and stack rv1 instance k-y would both run
// as devarch-rv1-k-y. Instances named in had were there before the change
// and are not checked again, so old data with a clash does not block
// unrelated edits (plan and apply report it, ContainerClashes). Disabled
// instances count: they keep their name for when they are enabled. owners
// reads the other stacks' container names (ContainerOwners); it is called
// only when st has a new instance.
func CheckContainerNames(st Stack, had map[string]bool, owners func() (map[string]ContainerOwner, error)) error {
	var own map[string]ContainerOwner
	var errs FieldErrors
	for _, inst := range st.Instances {
		if had[inst.Name] {
			continue
		}
		if own == nil {
			var err error
			if own, err = owners(); err != nil {
				return err
			}
		}
		name := ContainerName(st.Name, inst.Name)
		if o, ok := own[name]; ok {
			errs = append(errs, &FieldError{
				Field: "instances." + inst.Name,
				Rule: fmt.Sprintf("container name %s is already the container of stack %q instance %q; %s",
					name, o.Stack, o.Instance, ContainerNameRule),
				Hint: "pick another instance name",
			})
		}
	}
	return errs.Err()
}

// ContainerClashes reports, as errors, instances of st whose container name
// another stack's instance also has (data stored before such clashes were
// refused). owners is ContainerOwners of the stacks, skipping st.
func ContainerClashes(st Stack, owners map[string]ContainerOwner) error {
	var ds []Diagnostic
	for _, inst := range st.Instances {
		name := ContainerName(st.Name, inst.Name)
		o, ok := owners[name]
		if !ok {
			continue
		}
		ds = append(ds, Diagnostic{
			Severity: SeverityError,
			Instance: inst.Name,
			Message: fmt.Sprintf("container name %s is also the container of stack %q instance %q; %s",
				name, o.Stack, o.Instance, ContainerNameRule),
			Hint: fmt.Sprintf("devarch instance rename %s %s NEW_NAME", st.Name, inst.Name),
		})
	}
	if len(ds) == 0 {
		return nil
	}
	return &DiagnosticsError{Diagnostics: ds}
}
