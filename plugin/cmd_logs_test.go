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

func TestLogsOptionsReachTheDaemon(t *testing.T) {
	var query string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
	})
	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"logs", "shop", "--since", "10m", "--timestamps", "--no-color"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, w := range []string{"since=10m", "timestamps=1"} {
		if !strings.Contains(query, w) {
			t.Errorf("query %q lacks %s", query, w)
		}
	}
}

func TestLogsRefusesBadSince(t *testing.T) {
	for _, since := range []string{"yesterday", "-5m", "10 minutes"} {
		c, _, errOut := fakeDaemon(t, http.NotFoundHandler(), "")
		if code := c.execute(context.Background(), []string{"logs", "shop", "--since", since}); code != 1 || !strings.Contains(errOut.String(), "--since") {
			t.Errorf("--since %q: exit %d; want 1 naming --since:\n%s", since, code, errOut)
		}
	}
	for _, since := range []string{"10m", "1h30m", "2026-01-02T15:04:05Z", "2026-01-02", "1767225600", "1767225600.5"} {
		if rule := api.CheckLogsSince(since); rule != "" {
			t.Errorf("CheckLogsSince(%q) = %q; want it accepted", since, rule)
		}
	}
}

func TestLogPrinter(t *testing.T) {
	lines := []api.LogLine{{Instance: "db", Line: "ready"}, {Instance: "api", Line: "up"}, {Instance: "db", Line: "again"}}
	cases := []struct {
		name string
		p    logPrinter
		want string
	}{
		{"plain", logPrinter{}, "db | ready\napi | up\ndb | again\n"},
		{"aligned", logPrinter{align: true, names: []string{"db", "api", "worker"}},
			"db      | ready\napi     | up\ndb      | again\n"},
		{"aligned and coloured", logPrinter{align: true, color: true, names: []string{"db", "api"}},
			"\x1b[36mdb   |\x1b[0m ready\n\x1b[33mapi  |\x1b[0m up\n\x1b[36mdb   |\x1b[0m again\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			tc.p.w = &b
			for _, l := range lines {
				if err := tc.p.print(l); err != nil {
					t.Fatal(err)
				}
			}
			if b.String() != tc.want {
				t.Errorf("printed %q; want %q", b.String(), tc.want)
			}
		})
	}
}
