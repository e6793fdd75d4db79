package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRefusesNonUTF8 checks that import refuses a file whose bytes are
// not UTF-8 before anything is sent: JSON transport would silently turn them
// into U+FFFD.
func TestImportRefusesNonUTF8(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"DEVARCH_HOME": filepath.Join(dir, "home")})
	bad := filepath.Join(dir, "devarch.yml")
	if err := os.WriteFile(bad, []byte("stack:\n  name: shop\n  description: caf\xe9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		argv []string
	}{
		{"devarch.yml", []string{"devarch", "import", bad}},
		{"compose file", []string{"devarch", "import-compose", bad}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.argv, strings.NewReader(""), &out, &errOut, env)
			if code != 1 || !strings.Contains(errOut.String(), "is not valid UTF-8 text") {
				t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "home", "devarch.sock")); err == nil {
				t.Errorf("a daemon was started for a file that is refused")
			}
		})
	}
}
