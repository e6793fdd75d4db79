package devfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComposeErrorsNeverQuoteOtherFiles names a file that is no compose
// file (as /etc/shadow would be) in every way a compose file can: the
// error names the file, never a line of it.
func TestComposeErrorsNeverQuoteOtherFiles(t *testing.T) {
	const marker = "MARKER-7781"
	dir := t.TempDir()
	secret := filepath.Join(dir, "shadow")
	if err := os.WriteFile(secret, []byte("root:"+marker+":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, doc string }{
		{"include", "include: [" + secret + "]\nservices:\n  web:\n    image: nginx\n"},
		{"include in long form", "include:\n  - path: " + secret + "\nservices:\n  web:\n    image: nginx\n"},
		{"extends file", "services:\n  web:\n    image: nginx\n    extends:\n      file: " + secret + "\n      service: x\n"},
		{"a value of the file itself", "services:\n  web:\n    image: nginx\n    ports: {a: " + marker + "}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromCompose([]byte(tt.doc), ComposeOptions{Stack: "s", WorkDir: dir})
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("error quotes the file's content: %v", err)
			}
			if tt.name != "a value of the file itself" && !strings.Contains(err.Error(), secret) {
				t.Errorf("error does not name the file %s: %v", secret, err)
			}
			if tt.name == "a value of the file itself" && !strings.Contains(err.Error(), "ports") {
				t.Errorf("error about the compose file itself lost its detail: %v", err)
			}
		})
	}
}

// TestComposeSchemaErrorsOfTheFileItselfStay: a schema error in the
// compose file itself keeps its detail (the key it names).
func TestComposeSchemaErrorsOfTheFileItselfStay(t *testing.T) {
	_, err := FromCompose([]byte("services:\n  web:\n    image: nginx\n    bogus: 1\n"),
		ComposeOptions{Stack: "s", WorkDir: t.TempDir(), Filename: "compose.yaml"})
	if err == nil || !strings.Contains(err.Error(), "bogus") || strings.Contains(err.Error(), "named by include") {
		t.Errorf("error = %v; want compose's own message naming the key bogus", err)
	}
}
