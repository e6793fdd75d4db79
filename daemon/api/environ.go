package api

import (
	"sort"
	"strings"
)

// The daemon and the engine commands it runs see an allow-listed
// environment: what finds programs and the user's files, what reaches the
// engine (Docker's and Podman's own variables, the user's runtime
// directory, proxies) and the locale. Anything else the invoking shell
// holds — DEVARCH_PASSPHRASE, tokens, variables a compose file
// interpolated — never reaches the daemon nor an engine child. README.md
// ("Security notes") lists the same names.

// allowedEnv are the variable names kept as they are.
var allowedEnv = map[string]bool{
	"PATH": true, "HOME": true, "USER": true, "LOGNAME": true,
	"TMPDIR": true, "TZ": true, "LANG": true, "LANGUAGE": true,
	HomeEnv: true,
	// The user's runtime and config directories: rootless Podman keeps its
	// socket, configuration and storage there.
	"XDG_RUNTIME_DIR": true, "XDG_CONFIG_HOME": true, "XDG_DATA_HOME": true, "XDG_CACHE_HOME": true,
	"DBUS_SESSION_BUS_ADDRESS": true,
	// Docker's client variables.
	"DOCKER_HOST": true, "DOCKER_CONTEXT": true, "DOCKER_CONFIG": true,
	"DOCKER_CERT_PATH": true, "DOCKER_TLS": true, "DOCKER_TLS_VERIFY": true,
	"DOCKER_API_VERSION": true, "DOCKER_BUILDKIT": true, "DOCKER_DEFAULT_PLATFORM": true,
	"DOCKER_CONTENT_TRUST": true, "DOCKER_CONTENT_TRUST_SERVER": true,
	// Podman's client variables.
	"CONTAINER_HOST": true, "CONTAINER_CONNECTION": true, "CONTAINER_SSHKEY": true,
	// An ssh:// engine host authenticates through the user's agent.
	"SSH_AUTH_SOCK": true,
	// Proxies for pulls and builds.
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true, "ALL_PROXY": true,
	"http_proxy": true, "https_proxy": true, "no_proxy": true, "all_proxy": true,
}

// allowedEnvPrefixes are the name prefixes kept: Podman's configuration
// files (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, ...) and the locale.
var allowedEnvPrefixes = []string{"CONTAINERS_", "LC_"}

// EnvAllowed reports whether the daemon and its engine children keep the
// variable name.
func EnvAllowed(name string) bool {
	if allowedEnv[name] {
		return true
	}
	for _, p := range allowedEnvPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

// AllowedEnvNames lists the exact names EnvAllowed keeps, sorted, and the
// prefixes it keeps, each ending in "*".
func AllowedEnvNames() []string {
	var out []string
	for k, ok := range allowedEnv {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	for _, p := range allowedEnvPrefixes {
		out = append(out, p+"*")
	}
	return out
}

// DaemonEnviron keeps the KEY=VALUE entries of env whose name EnvAllowed
// keeps, in their order. The CLI starts the daemon with it and the runtime
// builds every engine command's environment from it.
func DaemonEnviron(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if ok && EnvAllowed(k) {
			out = append(out, kv)
		}
	}
	return out
}
