package apply

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveCrashLeftovers checks what the daemon removes when it starts:
// the staged config directories of every stack (.tmp-*, .old-*, holding
// sensitive files), never a stack's own directory.
func TestRemoveCrashLeftovers(t *testing.T) {
	stacks := filepath.Join(t.TempDir(), "stacks")
	leftovers := []string{".tmp-shop-0123456789ab", ".old-shop-0123456789ab", ".tmp-my-app-abcdef012345",
		".tmp-shop.db-0123456789ab", "shop/.old-db-0123456789ab"}
	kept := []string{"shop", "my-app"}
	for _, d := range append(append([]string{}, leftovers...), kept...) {
		if err := os.MkdirAll(filepath.Join(stacks, d, "db"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(stacks, d, "db", "secret.conf"), []byte("k"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveCrashLeftovers(stacks)
	for _, d := range leftovers {
		if _, err := os.Stat(filepath.Join(stacks, d)); !os.IsNotExist(err) {
			t.Errorf("%s survived: %v", d, err)
		}
	}
	for _, d := range kept {
		if _, err := os.Stat(filepath.Join(stacks, d, "db", "secret.conf")); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}
