package main

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"
)

// targetsValue is the --target flag of plan and apply: repeated or
// comma-separated instance names. An empty name is refused: an unset
// shell variable in `--target "$X"` would otherwise leave no target and
// plan or apply the whole stack.
type targetsValue struct {
	names *[]string
	set   bool
}

var _ pflag.Value = (*targetsValue)(nil)

func newTargetsValue(names *[]string) *targetsValue { return &targetsValue{names: names} }

func (v *targetsValue) Set(s string) error {
	parts := strings.Split(s, ",")
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			return errors.New("an empty instance name; name each instance to target (repeat --target or separate names with commas)")
		}
	}
	if !v.set {
		*v.names = nil
		v.set = true
	}
	for _, p := range parts {
		*v.names = append(*v.names, strings.TrimSpace(p))
	}
	return nil
}

func (v *targetsValue) String() string { return strings.Join(*v.names, ",") }

func (v *targetsValue) Type() string { return "stringSlice" }
