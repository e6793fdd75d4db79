package compose

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestCommandClear checks that --command "" / --entrypoint "" (an explicit
// empty list) reach the compose project as command: [] / entrypoint: [],
// which clears the image's, and that an unset one is left out.
func TestCommandClear(t *testing.T) {
	tests := []struct {
		name       string
		inst       string
		o          core.Overrides
		want, lack []string
	}{
		{"template command", "cache", core.Overrides{}, []string{"- redis-server"}, []string{"entrypoint:"}},
		{"command cleared", "cache", core.Overrides{Command: &[]string{}}, []string{"command: []"}, []string{"redis-server"}},
		{"entrypoint cleared", "api", core.Overrides{Entrypoint: &[]string{}}, []string{"entrypoint: []"}, nil},
		{"nothing set", "api", core.Overrides{}, nil, []string{"command:", "entrypoint:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := shopStack("shop")
			for i := range st.Instances {
				if st.Instances[i].Name == tc.inst {
					st.Instances[i].Overrides = tc.o
				}
			}
			out, err := Generate(build(t, st), Options{})
			if err != nil {
				t.Fatal(err)
			}
			svc := serviceBlock(string(out), tc.inst)
			for _, w := range tc.want {
				if !strings.Contains(svc, w) {
					t.Errorf("service %s lacks %q:\n%s", tc.inst, w, svc)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(svc, l) {
					t.Errorf("service %s has %q:\n%s", tc.inst, l, svc)
				}
			}
		})
	}
}

// serviceBlock returns the lines of service name in a generated project.
func serviceBlock(project, name string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(project, "\n") {
		switch {
		case line == "  "+name+":":
			in = true
		case in && len(line) > 2 && line[2] != ' ':
			return b.String()
		case in && len(line) > 0 && line[0] != ' ':
			return b.String()
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
