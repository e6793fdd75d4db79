package devfile

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/compose"
)

// FuzzFromCompose imports arbitrary YAML as a compose file: it never
// panics; a refusal returns no result and an error that says what is wrong
// (a field error names its path); an accepted file gives a stack of the
// requested name whose compose fragments all validate.
func FuzzFromCompose(f *testing.F) {
	f.Add([]byte("services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n"))
	f.Add([]byte("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: x\n  api:\n    image: a\n    depends_on: [db]\n    cap_add: [NET_ADMIN]\n"))
	entries, _ := os.ReadDir(filepath.Join("testdata", "compose"))
	for _, en := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", "compose", en.Name())); err == nil {
			f.Add(b)
		}
	}
	opt := ComposeOptions{Stack: "fz", WorkDir: f.TempDir(), Builtins: slices.Collect(maps.Values(catalog.Builtin()))}
	f.Fuzz(func(t *testing.T, data []byte) {
		ci, err := FromCompose(data, opt)
		if err != nil {
			if ci != nil {
				t.Fatal("FromCompose returned a result with an error")
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			var fe *core.FieldError
			if errors.As(err, &fe) && fe.Field == "" {
				t.Fatalf("field error without a path: %v", err)
			}
			return
		}
		if ci.Stack.Name != "fz" {
			t.Fatalf("imported stack named %q; want fz", ci.Stack.Name)
		}
		if err := compose.ValidateFragments(ci.Stack); err != nil {
			t.Fatalf("import produced a fragment that does not validate: %v", err)
		}
	})
}
