package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/engineapi"
)

// The read-only questions a plan asks on every run (the stack's containers,
// containers holding its names, image IDs) go to the Docker Engine's API
// socket when the docker CLI would reach the engine through a local Unix
// socket: one request each instead of a CLI process start (tens of
// milliseconds each). Everything else, and every engine reached another
// way (TCP, SSH, TLS, Podman), goes through the CLI as before; so does a
// read whose socket cannot be reached, so the error is the CLI's own.

// defaultDockerSocket is where the docker CLI's default context reaches
// the engine on Linux when DOCKER_HOST is not set.
const defaultDockerSocket = "/var/run/docker.sock"

// apiClients holds one client per socket for the daemon's life, so its
// idle connections are reused by every engine built for a request rather
// than left behind by each.
var apiClients sync.Map // socket path -> *engineapi.Client

func apiClient(socket string) *engineapi.Client {
	if c, ok := apiClients.Load(socket); ok {
		return c.(*engineapi.Client)
	}
	c, _ := apiClients.LoadOrStore(socket, engineapi.New(socket))
	return c.(*engineapi.Client)
}

// dockerAPISocket is the Unix socket of the engine the docker CLI reaches
// under env, as the CLI picks it (DOCKER_HOST, else DOCKER_CONTEXT, else
// config.json's current context), or "" when that is not a local Unix
// socket without TLS that exists.
func dockerAPISocket(env map[string]string) string {
	// TLS, or an API version the user pins (which the CLI then speaks),
	// stay with the CLI.
	for _, k := range []string{"DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"} {
		if lookupEnv(env, k) != "" {
			return ""
		}
	}
	host := lookupEnv(env, "DOCKER_HOST")
	if host == "" {
		name := lookupEnv(env, "DOCKER_CONTEXT")
		if name == "" {
			var ok bool
			if name, ok = configContext(env); !ok {
				return ""
			}
		}
		if host = contextHost(env, name); host == "" {
			return ""
		}
	}
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok || path == "" {
		return ""
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		return ""
	}
	return path
}

// dockerConfigDir is the docker CLI's configuration directory under env
// (DOCKER_CONFIG, or .docker in HOME), "" when neither is known.
func dockerConfigDir(env map[string]string) string {
	if dir := lookupEnv(env, "DOCKER_CONFIG"); dir != "" {
		return dir
	}
	if home := lookupEnv(env, "HOME"); home != "" {
		return filepath.Join(home, ".docker")
	}
	return ""
}

// configContext is the current context the docker CLI's config.json
// names, "default" when the file does not exist or names none: what
// `docker context show` prints when neither DOCKER_HOST nor DOCKER_CONTEXT
// is set, read without starting the CLI. ok is false when the file cannot
// be read or decoded.
func configContext(env map[string]string) (string, bool) {
	dir := dockerConfigDir(env)
	if dir == "" {
		return "", false
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "default", true
	}
	if err != nil {
		return "", false
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", false
	}
	if cfg.CurrentContext == "" {
		return "default", true
	}
	return cfg.CurrentContext, true
}

// contextHost is the docker endpoint of context name: unix:// plus the
// default socket for "default", else the Host its metadata
// (contexts/meta/SHA256(name)/meta.json in the config directory) names;
// "" when the context cannot be read or keeps TLS material.
func contextHost(env map[string]string, name string) string {
	if name == "default" {
		return "unix://" + defaultDockerSocket
	}
	dir := dockerConfigDir(env)
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	if _, err := os.Stat(filepath.Join(dir, "contexts", "tls", id, "docker")); !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(dir, "contexts", "meta", id, "meta.json"))
	if err != nil {
		return ""
	}
	var meta struct {
		Name      string `json:"Name"`
		Endpoints map[string]struct {
			Host string `json:"Host"`
		} `json:"Endpoints"`
	}
	if json.Unmarshal(data, &meta) != nil || meta.Name != name {
		return ""
	}
	return meta.Endpoints["docker"].Host
}

// apiStack lists stack's containers (labeled devarch.managed=true and
// devarch.stack=stack) over the API; ok is false when the engine has no
// API socket or the socket did not answer: the caller then asks the CLI.
func (e *Engine) apiStack(ctx context.Context, stack string) (cs []Container, ok bool, err error) {
	if e.api == nil {
		return nil, false, nil
	}
	cs, err = e.apiContainers(ctx, nil, core.LabelManaged+"=true", core.LabelStack+"="+stack)
	switch {
	case engineapi.IsUnreachable(err):
		return nil, false, nil
	case err != nil:
		return nil, true, fmt.Errorf("list containers of stack %q: %w", stack, err)
	}
	return cs, true, nil
}

// apiContainers lists the containers carrying all of labels (every
// container when there are none) whose name keep accepts (nil: all), from
// one listing: no container is inspected (see engineapi.Listed).
func (e *Engine) apiContainers(ctx context.Context, keep func(name string) bool, labels ...string) ([]Container, error) {
	listed, err := e.api.Containers(ctx, labels...)
	if err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(listed))
	for _, l := range listed {
		if keep == nil || slices.ContainsFunc(l.Names, func(n string) bool { return keep(strings.TrimPrefix(n, "/")) }) {
			out = append(out, containerOfListed(l))
		}
	}
	slices.SortFunc(out, func(a, b Container) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// containerOfListed is the Container a listing tells: what an inspection
// tells (see parseInspect), except that health shows only while the
// container runs, and Image is the image's ID once the reference it was
// created from names another image (as `docker ps` shows it).
func containerOfListed(l engineapi.Listed) Container {
	c := Container{ID: l.ID, Image: l.Image, ImageID: NormalizeImageID(l.ImageID), State: l.State, Labels: l.Labels}
	for _, n := range l.Names {
		// A legacy link adds "/other/alias" names; the container's own has one slash.
		if n = strings.TrimPrefix(n, "/"); !strings.Contains(n, "/") {
			c.Name = n
			break
		}
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	if l.Health != nil {
		c.Health = l.Health.Status
		if c.Health == "none" {
			c.Health = ""
		}
	} else {
		c.Health = statusHealth(l.Status)
	}
	var ps []publishedPort
	for _, p := range l.Ports {
		if p.PublicPort != 0 {
			ps = append(ps, publishedPort{hostIP: p.IP, host: strconv.Itoa(p.PublicPort), target: fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)})
		}
	}
	c.Ports = joinPorts(ps)
	return c
}

// apiImageIDs is ImageIDs over the API: one request per distinct ref, a
// few at a time; a missing image is left out.
func (e *Engine) apiImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	ids := make([]string, len(refs))
	err := parallel(ctx, len(refs), apiParallel, func(i int) error {
		id, err := e.api.ImageID(ctx, refs[i])
		switch {
		case err == nil:
			ids[i] = NormalizeImageID(id)
		case !engineapi.IsNotFound(err):
			return fmt.Errorf("inspect image %s: %w", refs[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, ref := range refs {
		if ids[i] != "" {
			out[ref] = ids[i]
		}
	}
	return out, nil
}

// apiParallel bounds the requests one read has in flight.
const apiParallel = 8

// parallel runs fn(0..n-1), limit at a time, and returns the first error
// (by index).
func parallel(ctx context.Context, n, limit int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
