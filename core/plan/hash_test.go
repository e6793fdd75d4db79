package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
)

// TestDesiredHashIsHashOfMarshal pins desiredHash to the sha256 of the
// version prefix and json.Marshal of the state, as plans saved by earlier
// versions hashed it: a saved plan stays fresh across the change.
func TestDesiredHashIsHashOfMarshal(t *testing.T) {
	html := desired(2, svc("api", "docker.io/acme/api:1"))
	html.Services[0].Command = []string{"sh", "-c", "a < b && c > d"}
	tests := []struct {
		name string
		d    core.Desired
	}{
		{"empty", core.Desired{}},
		{"html characters", html},
		{"wired 100", benchfix.Desired(benchfix.Wired("w", 100, 20000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.d)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(append([]byte(hashVersion+"\x00"), data...))
			if got, want := desiredHash(&tt.d), hex.EncodeToString(sum[:]); got != want {
				t.Errorf("desiredHash = %s, want %s", got, want)
			}
		})
	}
}
