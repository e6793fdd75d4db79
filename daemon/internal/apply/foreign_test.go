package apply

import (
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

func TestForeignWhat(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"no labels", nil, "exists without devarch labels"},
		{"other labels", map[string]string{"app": "x"}, "exists without devarch labels"},
		{"stack label but not managed", map[string]string{core.LabelStack: "rv1"}, "exists without devarch labels"},
		{"another stack", map[string]string{core.LabelManaged: "true", core.LabelStack: "rv1", core.LabelInstance: "k-y"},
			`belongs to stack "rv1" (instance "k-y")`},
		{"another stack, no instance label", map[string]string{core.LabelManaged: "true", core.LabelStack: "rv1"},
			`belongs to stack "rv1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ForeignWhat(runtime.Container{Name: "devarch-rv1-k-y", Labels: tt.labels}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
