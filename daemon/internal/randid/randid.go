// Package randid makes the random identifiers of the daemon: job, plan and lock IDs and stack lineages.
package randid

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Hex returns n random bytes as lowercase hex.
func Hex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Errorf("read random bytes: %w", err))
	}
	return hex.EncodeToString(b)
}
