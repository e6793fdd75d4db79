package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

func TestEngineDownErrors(t *testing.T) {
	cases := []struct {
		name     string
		message  string
		wantErr  string
		wantHint string
	}{
		{"docker down, prefix said twice",
			`list containers of stack "shop": list containers of stack "shop": docker ps -a: Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?: exit status 1`,
			`devarch: error: list containers of stack "shop": docker ps -a: Cannot connect to the Docker daemon at unix:///x.sock.`,
			"devarch: hint: is the Docker engine running? `docker context ls`"},
		{"podman down",
			`list containers of stack "shop": podman ps -a: Cannot connect to Podman. Please verify your connection: exit status 125`,
			`devarch: error: list containers of stack "shop": podman ps -a: Cannot connect to Podman.`,
			"devarch: hint: is the Podman service running? `podman system connection ls`"},
		{"another runtime failure keeps its words", `instance api: port 8080 already allocated`,
			"devarch: error: instance api: port 8080 already allocated\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				apiError(w, 502, api.Error{Code: api.CodeRuntime, Message: tc.message})
			})
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), []string{"ps", "shop"}); code != 1 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			got := errOut.String()
			if !strings.Contains(got, tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, got)
			}
			if strings.Count(got, `list containers of stack "shop"`) > 1 {
				t.Errorf("the prefix is repeated:\n%s", got)
			}
			if tc.wantHint == "" && strings.Contains(got, "hint:") {
				t.Errorf("unexpected hint:\n%s", got)
			}
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if tc.wantHint != "" && !strings.HasPrefix(lines[len(lines)-1], tc.wantHint) {
				t.Errorf("stderr does not end with the hint %q:\n%s", tc.wantHint, got)
			}
		})
	}
}

func TestLockOfUnknownStackIsNotFound(t *testing.T) {
	for _, args := range [][]string{{"lock", "ghost"}, {"unlock", "ghost", "--force"}} {
		t.Run(args[0], func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/v1/stacks/ghost/lock":
					w.Write([]byte(`{"stack":"ghost","released":0}`))
				case "/v1/stacks/ghost/unlock":
					w.Write([]byte(`{"released":0}`))
				default:
					apiError(w, 404, api.Error{Code: api.CodeNotFound, Message: `stack "ghost" not found`})
				}
			})
			c, out, errOut := fakeDaemon(t, h, "")
			if code := c.execute(context.Background(), args); code != 1 || !strings.Contains(errOut.String(), `stack "ghost" not found`) {
				t.Fatalf("exit %d; want not found\n%s%s", code, out, errOut)
			}
		})
	}
}
