package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// TestDockerGlobalFlagsReachTheRuntime runs the plugin as the docker CLI
// does, with docker's global options before the plugin's name, and checks
// the runtime the daemon is asked to drive gets the same engine settings.
func TestDockerGlobalFlagsReachTheRuntime(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"} {
		t.Setenv(k, "")
	}
	certs := t.TempDir()
	cases := []struct {
		name    string
		globals []string
		env     map[string]string
		want    map[string]string
	}{
		{"--context", []string{"--context", "X"}, map[string]string{"DOCKER_HOST": "unix:///env.sock"},
			map[string]string{"DOCKER_CONTEXT": "X"}},
		{"-H", []string{"-H", "unix:///x"}, map[string]string{"DOCKER_CONTEXT": "env-ctx"},
			map[string]string{"DOCKER_HOST": "unix:///x"}},
		{"-D and -l with --host=", []string{"-D", "-l", "error", "--host=tcp://h:2375"}, nil,
			map[string]string{"DOCKER_HOST": "tcp://h:2375"}},
		{"TLS", []string{"-H", "tcp://h:2376", "--tlsverify", "--tlscacert", certs + "/ca.pem",
			"--tlscert", certs + "/cert.pem", "--tlskey", certs + "/key.pem"}, nil,
			map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS": "1", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs}},
		{"--config", []string{"--config", certs}, nil, map[string]string{"DOCKER_CONFIG": certs}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got api.RuntimeSpec
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/v1/status":
					json.NewEncoder(w).Encode(api.Status{Version: api.Version, BuildID: api.BuildID()})
				case "/v1/stacks/shop/ps":
					spec, err := specFromQuery(r)
					if err != nil {
						apiError(w, 400, api.Error{Code: api.CodeInvalid, Message: err.Error()})
						return
					}
					got = spec
					w.Write([]byte("[]"))
				default:
					apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
				}
			})
			c, _, _ := fakeDaemon(t, h, "")
			env := map[string]string{"DEVARCH_HOME": c.getenv("DEVARCH_HOME"), "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "/usr/bin/docker"}
			for k, v := range tc.env {
				env[k] = v
			}
			argv := append(append([]string{"/p/docker-devarch"}, tc.globals...), "devarch", "ps", "shop")
			var out, errOut bytes.Buffer
			if code := run(context.Background(), argv, strings.NewReader(""), &out, &errOut, envOf(env)); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
			}
			want := api.RuntimeSpec{Kind: "docker", Binary: "/usr/bin/docker", Env: noDockerEnv(tc.want)}
			if tc.name != "--config" {
				want.Env["DOCKER_CONFIG"] = ""
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("runtime spec = %+v\nwant           %+v", got, want)
			}
		})
	}
}

// specFromQuery reads the runtime spec a GET route carries in its query.
func specFromQuery(r *http.Request) (api.RuntimeSpec, error) {
	q := r.URL.Query()
	spec := api.RuntimeSpec{Kind: q.Get("kind"), Binary: q.Get("binary"), Env: map[string]string{}}
	for _, kv := range q["env"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return spec, fmt.Errorf("env %q is not KEY=VALUE", kv)
		}
		spec.Env[k] = v
	}
	return spec, nil
}

// TestPluginGlobalFlagErrors checks a bad docker global option fails
// before anything reaches the daemon, with docker's message.
func TestPluginGlobalFlagErrors(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	env := envOf(map[string]string{"DEVARCH_HOME": t.TempDir(), "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "docker"})
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"/p/docker-devarch", "--context", "a", "-H", "unix:///b", "devarch", "ps", "shop"},
		strings.NewReader(""), &out, &errOut, env)
	if code == 0 || !strings.Contains(errOut.String(), "cannot specify both --host and --context") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
	}
}
