package compose

import (
	"errors"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// FuzzValidateFragment checks arbitrary text as an instance's compose
// fragment: it never panics, and a refusal is a *core.FieldError on the
// instance's compose field.
func FuzzValidateFragment(f *testing.F) {
	for _, s := range []string{
		"cap_add: [NET_ADMIN]\n", "privileged: true\n", "tmpfs: [/run]\nshm_size: 64m\n",
		"env_file: [a, {path: b}]\n", "env_file: [00000, {path}]\n", "labels: {devarch.x: y}\n",
		"image: x\n", "ports: ['70000:1']\n", "- a\n", "{{\n", "stop_grace_period: 10s\n", "volumes_from: [other]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frag string) {
		err := ValidateFragment("fz", "web", frag)
		if err == nil {
			return
		}
		var fe *core.FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("fragment %q: error %T %v; want a *core.FieldError", frag, err, err)
		}
		if !strings.HasPrefix(fe.Field, "instances.web.compose") {
			t.Fatalf("fragment %q: error on field %q; want instances.web.compose", frag, fe.Field)
		}
	})
}
