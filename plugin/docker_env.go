package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	cliflags "github.com/docker/cli/cli/flags"
	"github.com/spf13/pflag"
)

// invocation is how the binary was started.
type invocation struct {
	plugin bool // run by the docker CLI as a plugin
	// dockerBinary is the docker CLI that ran the plugin.
	dockerBinary string
	// dockerFlags are the docker CLI's global options as docker/cli's
	// plugin package parsed them; nil before parsing and when standalone.
	dockerFlags *pflag.FlagSet
}

// Environment variables through which a docker CLI finds its engine. The
// docker CLI reads each only when it is not empty.
const (
	envHost     = "DOCKER_HOST"
	envContext  = "DOCKER_CONTEXT"
	envConfig   = "DOCKER_CONFIG"
	envCertPath = "DOCKER_CERT_PATH"
	envTLS      = cliflags.EnvEnableTLS // DOCKER_TLS
	envVerify   = "DOCKER_TLS_VERIFY"
)

// dockerEnvKeys are passed from the environment to the runtime.
var dockerEnvKeys = []string{envHost, envContext, envConfig, envCertPath, envTLS, envVerify}

// pluginDockerEnv is the environment under which the docker CLI the daemon
// runs reaches the engine the docker CLI that ran the plugin reaches: its
// global options over its environment. Every key is set, to "" when unused,
// so the daemon's own environment cannot pick another engine. TLS files
// that do not sit in one directory under the default names (ca.pem,
// cert.pem, key.pem) are linked under those names into a directory of
// home, since DOCKER_CERT_PATH names only a directory.
func pluginDockerEnv(flags *pflag.FlagSet, getenv func(string) string, home string) (map[string]string, error) {
	env := map[string]string{}
	for _, k := range dockerEnvKeys {
		env[k] = getenv(k)
	}
	changed := func(name string) bool { f := flags.Lookup(name); return f != nil && f.Changed }
	value := func(name string) string {
		if f := flags.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	// As in the docker CLI: --host beats --context beats DOCKER_HOST beats DOCKER_CONTEXT.
	switch {
	case changed("host"):
		env[envHost], env[envContext] = value("host"), ""
	case changed("context"):
		env[envHost], env[envContext] = "", value("context")
	}
	if changed("config") {
		dir, err := filepath.Abs(value("config"))
		if err != nil {
			return nil, fmt.Errorf("--config %q: %w", value("config"), err)
		}
		env[envConfig] = dir
	}
	verify := value(cliflags.FlagTLSVerify) == "true"
	useTLS := value("tls") == "true" || verify || changed(cliflags.FlagTLSVerify)
	env[envTLS], env[envVerify] = "", ""
	if !useTLS {
		return env, nil
	}
	env[envTLS] = "1"
	if verify {
		env[envVerify] = "1"
	}
	// An empty certificate or key (the default files are missing) means
	// none: the client does not authenticate itself.
	var files [3]string
	for i, name := range []string{"tlscacert", "tlscert", "tlskey"} {
		if value(name) == "" {
			continue
		}
		p, err := filepath.Abs(value(name))
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %w", name, value(name), err)
		}
		files[i] = p
	}
	dir, err := certDir(files, home)
	if err != nil {
		return nil, err
	}
	env[envCertPath] = dir
	return env, nil
}

// certNames are the file names a docker CLI looks for in DOCKER_CERT_PATH.
var certNames = [3]string{cliflags.DefaultCaFile, cliflags.DefaultCertFile, cliflags.DefaultKeyFile}

// certDir is a directory holding the CA, certificate and key files (""
// for none) under the names of certNames: their own when they share one,
// else one of home's, named after the three paths, with a link to each.
func certDir(files [3]string, home string) (string, error) {
	dir, same := "", true
	for i, f := range files {
		if f == "" {
			continue
		}
		if dir == "" {
			dir = filepath.Dir(f)
		}
		same = same && filepath.Dir(f) == dir && filepath.Base(f) == certNames[i]
	}
	if same {
		return dir, nil
	}
	sum := sha256.Sum256([]byte(files[0] + "\x00" + files[1] + "\x00" + files[2]))
	dir = filepath.Join(home, "docker-tls", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("link the docker TLS files: %w", err)
	}
	for i, f := range files {
		link := filepath.Join(dir, certNames[i])
		if f == "" {
			os.Remove(link)
			continue
		}
		if target, err := os.Readlink(link); err == nil && target == f {
			continue
		}
		os.Remove(link)
		if err := os.Symlink(f, link); err != nil {
			return "", fmt.Errorf("link the docker TLS files: %w", err)
		}
	}
	return dir, nil
}
