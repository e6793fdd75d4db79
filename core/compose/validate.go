package compose

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// ValidateFragment checks the compose service fragment frag of instance in
// stack as Generate would apply it: a YAML mapping of compose service keys,
// none devarch owns, no devarch.* label, no interpolation, and valid for
// the compose schema (a port, size or duration compose cannot read is
// refused). It returns nil or a *core.FieldError on
// "instances.<instance>.compose".
func ValidateFragment(stack, instance, frag string) error {
	if strings.TrimSpace(frag) == "" {
		return nil
	}
	svc := types.ServiceConfig{Name: instance}
	if err := applyFragment(&svc, stack, frag); err != nil {
		return err
	}
	return nil
}

// ValidateFragments checks the compose fragment of every instance of st,
// enabled or not (a fragment is stored whether or not it is used yet), so
// a fragment compose would refuse is refused when it is stored rather than
// when the stack is applied. It returns nil or core.FieldErrors.
func ValidateFragments(st core.Stack) error {
	var errs core.FieldErrors
	for _, inst := range st.Instances {
		if err := ValidateFragment(st.Name, inst.Name, inst.Overrides.Compose); err != nil {
			errs = append(errs, err.(*core.FieldError))
		}
	}
	return errs.Err()
}
