package api

import (
	"fmt"
	"os"
	"path/filepath"
)

// HomeEnv names the environment variable that chooses the devarch home.
const HomeEnv = "DEVARCH_HOME"

// DefaultHome is the devarch home when none is given: $DEVARCH_HOME made
// absolute, else ~/.devarch. The CLI and the daemon both use it, with
// getenv reading the environment (os.Getenv outside tests).
func DefaultHome(getenv func(string) string) (string, error) {
	if h := getenv(HomeEnv); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return "", fmt.Errorf("%s %q: %w", HomeEnv, h, err)
		}
		return abs, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory (set %s): %w", HomeEnv, err)
	}
	return filepath.Join(h, ".devarch"), nil
}
