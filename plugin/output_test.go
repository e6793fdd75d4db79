package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// fullWriter fails every write, as stdout on a full disk does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestFailedWriteExitsNonZero: a table or JSON document that cannot be
// written is an error, so a script never takes missing output for success.
func TestFailedWriteExitsNonZero(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([]api.StackSummary{{Name: "shop"}})
	})
	for _, args := range [][]string{{"stack", "ls"}, {"stack", "ls", "--json"}} {
		c, _, errOut := fakeDaemon(t, h, "")
		c.out = fullWriter{}
		if code := c.execute(context.Background(), args); code != 1 {
			t.Errorf("%v: exit %d; want 1", args, code)
		}
		if !strings.Contains(errOut.String(), "no space left on device") {
			t.Errorf("%v: stderr lacks the write error:\n%s", args, errOut)
		}
	}
}
