package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckContainerNames(t *testing.T) {
	// Stack rv1 instance k-y and stack rv1-k instance y both run as devarch-rv1-k-y.
	stored := []Stack{{Name: "rv1", Instances: []Instance{inst("k-y", "web")}}, {Name: "rv1-k", Instances: []Instance{inst("old", "web")}}}
	tests := []struct {
		name   string
		st     Stack
		had    []string
		fields []string
	}{
		{name: "no clash", st: Stack{Name: "rv1-k", Instances: []Instance{inst("old", "web"), inst("z", "web")}}, had: []string{"old"}},
		{name: "new instance clashes", st: Stack{Name: "rv1-k", Instances: []Instance{inst("old", "web"), inst("y", "web")}}, had: []string{"old"},
			fields: []string{"instances.y"}},
		{name: "disabled instance counts", st: Stack{Name: "rv1-k", Instances: []Instance{disabled(inst("y", "web"))}},
			fields: []string{"instances.y"}},
		{name: "an instance it had is not checked again", st: Stack{Name: "rv1-k", Instances: []Instance{inst("y", "web")}}, had: []string{"y"}},
		{name: "its own stored instances are not a clash", st: Stack{Name: "rv1", Instances: []Instance{inst("k-y", "web"), inst("n", "web")}}, had: []string{"n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			had := map[string]bool{}
			for _, h := range tc.had {
				had[h] = true
			}
			err := CheckContainerNames(tc.st, had, func() (map[string]ContainerOwner, error) {
				return ContainerOwners(stored, tc.st.Name), nil
			})
			var fields []string
			for _, fe := range AsFieldErrors(err) {
				fields = append(fields, fe.Field)
				if !strings.Contains(fe.Rule, "devarch-rv1-k-y") || !strings.Contains(fe.Rule, ContainerNameRule) {
					t.Errorf("rule %q lacks the container name or the rule", fe.Rule)
				}
			}
			if !slices.Equal(fields, tc.fields) {
				t.Fatalf("fields = %v, want %v (err %v)", fields, tc.fields, err)
			}
		})
	}
	t.Run("owners are read only for a new instance", func(t *testing.T) {
		boom := errors.New("read")
		st := Stack{Name: "a", Instances: []Instance{inst("x", "web")}}
		if err := CheckContainerNames(st, map[string]bool{"x": true}, func() (map[string]ContainerOwner, error) { return nil, boom }); err != nil {
			t.Fatalf("err = %v", err)
		}
		if err := CheckContainerNames(st, nil, func() (map[string]ContainerOwner, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the read error", err)
		}
	})
}

func TestContainerClashes(t *testing.T) {
	owners := ContainerOwners([]Stack{{Name: "rv1", Instances: []Instance{inst("k-y", "web")}}}, "rv1-k")
	if err := ContainerClashes(Stack{Name: "rv1-k", Instances: []Instance{inst("z", "web")}}, owners); err != nil {
		t.Fatalf("no clash: %v", err)
	}
	var de *DiagnosticsError
	err := ContainerClashes(Stack{Name: "rv1-k", Instances: []Instance{inst("y", "web"), inst("z", "web")}}, owners)
	if !errors.As(err, &de) || len(de.Diagnostics) != 1 {
		t.Fatalf("err = %v, want one diagnostic", err)
	}
	d := de.Diagnostics[0]
	if d.Instance != "y" || d.Severity != SeverityError || d.Hint != "devarch instance rename rv1-k y NEW_NAME" ||
		!strings.Contains(d.Message, `stack "rv1" instance "k-y"`) {
		t.Errorf("diagnostic = %+v", d)
	}
}
