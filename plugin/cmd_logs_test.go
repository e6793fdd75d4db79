package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

func TestLogsOutput(t *testing.T) {
	var query string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/stacks/shop/logs" {
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
			return
		}
		query = r.URL.RawQuery
		enc := json.NewEncoder(w)
		enc.Encode(api.LogLine{Instance: "db", Line: "ready"})
		enc.Encode(api.LogLine{Instance: "api", Line: "listening on :8080"})
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"text", []string{"logs", "shop", "--tail", "5"}, "db | ready\napi | listening on :8080\n"},
		{"json lines", []string{"logs", "shop", "db", "--json"},
			`{"instance":"db","line":"ready"}` + "\n" + `{"instance":"api","line":"listening on :8080"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), tc.args); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out.String() != tc.want {
				t.Errorf("stdout = %q, want %q", out.String(), tc.want)
			}
		})
	}
	if !strings.Contains(query, "instance=db") {
		t.Errorf("the instance argument should reach the daemon: %q", query)
	}
}

func TestLogsRefusesNegativeTail(t *testing.T) {
	c, _, errOut := fakeDaemon(t, http.NotFoundHandler(), "")
	if code := c.execute(context.Background(), []string{"logs", "shop", "--tail", "-1"}); code != 1 {
		t.Fatalf("exit %d; want 1", code)
	}
	if !strings.Contains(errOut.String(), "--tail") {
		t.Errorf("stderr should name --tail: %s", errOut)
	}
}
