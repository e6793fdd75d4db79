package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestStackShowNamesTheBoundRuntime(t *testing.T) {
	for _, tc := range []struct {
		kind, want string
	}{
		{"podman", "Runtime:     podman (its containers run there"},
		{"", "Runtime:     not applied"},
	} {
		t.Run("runtime "+tc.want, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				json.NewEncoder(w).Encode(api.StackView{Stack: core.Stack{Name: "shop", Lineage: "ab", Serial: 3}, RuntimeKind: tc.kind})
			})
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), []string{"stack", "show", "shop"}); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("stack show lacks %q:\n%s", tc.want, out)
			}
			c, out, _ = fakeDaemon(t, h, "")
			c.execute(context.Background(), []string{"stack", "show", "shop", "--json"})
			var v map[string]any
			if err := json.Unmarshal(out.Bytes(), &v); err != nil || (tc.kind != "" && v["runtime_kind"] != tc.kind) {
				t.Errorf("stack show --json = %s (%v)", out, err)
			}
		})
	}
}
