package api

import (
	"slices"
	"testing"
)

func TestDaemonEnviron(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"engine and user variables stay",
			[]string{"PATH=/bin", "HOME=/h", "USER=u", "DOCKER_HOST=unix:///d.sock", "CONTAINER_HOST=unix:///p.sock",
				"CONTAINERS_CONF=/c", "XDG_RUNTIME_DIR=/run/user/1", "https_proxy=http://p", "LC_ALL=C"},
			[]string{"PATH=/bin", "HOME=/h", "USER=u", "DOCKER_HOST=unix:///d.sock", "CONTAINER_HOST=unix:///p.sock",
				"CONTAINERS_CONF=/c", "XDG_RUNTIME_DIR=/run/user/1", "https_proxy=http://p", "LC_ALL=C"}},
		{"secrets and arbitrary variables go",
			[]string{"DEVARCH_PASSPHRASE=pp", "SECRET_X=s", "DB_PASSWORD=x", "AWS_SECRET_ACCESS_KEY=k", "PATH=/bin"},
			[]string{"PATH=/bin"}},
		{"the docker CLI's plugin protocol variables go",
			[]string{"DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND=docker", "DOCKER_CLI_PLUGIN_SOCKET=@x", "DOCKER_CONTEXT=c"},
			[]string{"DOCKER_CONTEXT=c"}},
		{"docker variables outside the client's own go",
			[]string{"DOCKER_PASSWORD=pw", "DOCKER_TOKEN=t", "COMPOSE_FILE=/x.yml", "COMPOSE_PROJECT_NAME=p"},
			[]string{}},
		{"a bare prefix or an entry without = goes",
			[]string{"CONTAINERS_=x", "LC_=y", "PATH"},
			[]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DaemonEnviron(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("DaemonEnviron(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAllowedEnvNamesHoldNoSecretCarrier(t *testing.T) {
	names := AllowedEnvNames()
	for _, bad := range []string{"DEVARCH_PASSPHRASE", "COMPOSE_FILE", "DOCKER_CLI_PLUGIN_SOCKET"} {
		if slices.Contains(names, bad) || EnvAllowed(bad) {
			t.Errorf("%s is allowed", bad)
		}
	}
	if !slices.Contains(names, "PATH") || !slices.Contains(names, "CONTAINERS_*") {
		t.Errorf("AllowedEnvNames() = %q, want PATH and CONTAINERS_*", names)
	}
}
