package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/engineapi"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// Containers lists the containers labeled devarch.managed=true and
// devarch.stack=stack: over the engine's API socket when it has one (see
// engine_api.go), else `ps -a -q --filter label=...` then `inspect`.
func (e *Engine) Containers(ctx context.Context, stack string) ([]Container, error) {
	if cs, ok, err := e.apiStack(ctx, stack); ok {
		return cs, err
	}
	out, err := e.output(ctx, e.cliCmd(ctx, "ps", "-a", "-q", "--no-trunc",
		"--filter", "label="+core.LabelManaged+"=true",
		"--filter", "label="+core.LabelStack+"="+stack), nil)
	if err != nil {
		return nil, fmt.Errorf("list containers of stack %q: %w", stack, err)
	}
	return e.inspect(ctx, strings.Fields(out))
}

// ContainersNamed returns the containers named one of names, labeled or not.
func (e *Engine) ContainersNamed(ctx context.Context, names []string) ([]Container, error) {
	if len(names) == 0 {
		return nil, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[strings.TrimPrefix(n, "/")] = true
	}
	if e.api != nil {
		cs, err := e.apiContainers(ctx, func(name string) bool { return want[name] })
		if !engineapi.IsUnreachable(err) {
			if err != nil {
				return nil, fmt.Errorf("list containers: %w", err)
			}
			return cs, nil
		}
	}
	out, err := e.output(ctx, e.cliCmd(ctx, "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"), nil)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var ids []string
	for _, l := range strings.Split(out, "\n") {
		id, rest, ok := strings.Cut(strings.TrimSpace(l), " ")
		if !ok {
			continue
		}
		for _, n := range strings.Split(rest, ",") {
			if want[strings.TrimPrefix(strings.TrimSpace(n), "/")] {
				ids = append(ids, id)
				break
			}
		}
	}
	return e.inspect(ctx, ids)
}

// inspect returns the containers with ids, sorted by name. A container
// removed meanwhile is left out. On Podman, the health checks that are due
// run first (see dueHealthchecks), so health is current without systemd.
func (e *Engine) inspect(ctx context.Context, ids []string) ([]Container, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := append([]string{"inspect", "--type", "container"}, ids...)
	out, err := e.output(ctx, e.cliCmd(ctx, args...), nil)
	if err != nil && strings.TrimSpace(out) == "" {
		return nil, fmt.Errorf("inspect containers: %w", err)
	}
	if e.kind == KindPodman {
		if due := dueHealthchecks([]byte(out), time.Now()); len(due) > 0 {
			e.runHealthchecks(ctx, due)
			out, err = e.output(ctx, e.cliCmd(ctx, args...), nil)
			if err != nil && strings.TrimSpace(out) == "" {
				return nil, fmt.Errorf("inspect containers: %w", err)
			}
		}
	}
	cs, perr := parseInspect([]byte(out))
	if perr != nil {
		return nil, fmt.Errorf("inspect containers: %w", perr)
	}
	return cs, nil
}

type inspected struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	Image string `json:"Image"` // the ID of the image it was created from
	State struct {
		Status string `json:"Status"`
		Health *struct {
			Status string `json:"Status"`
		} `json:"Health"`
		Healthcheck *struct {
			Status string `json:"Status"`
		} `json:"Healthcheck"`
	} `json:"State"`
	Config struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	NetworkSettings struct {
		Ports map[string][]struct {
			HostIP   string `json:"HostIp"`
			HostPort string `json:"HostPort"`
		} `json:"Ports"`
	} `json:"NetworkSettings"`
}

// parseInspect reads `docker inspect` or `podman inspect` output.
func parseInspect(data []byte) ([]Container, error) {
	var raw []inspected
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(raw))
	for _, r := range raw {
		c := Container{
			ID:      r.ID,
			Name:    strings.TrimPrefix(r.Name, "/"),
			Image:   r.Config.Image,
			ImageID: NormalizeImageID(r.Image),
			State:   r.State.Status,
			Labels:  r.Config.Labels,
			Ports:   formatPorts(r),
		}
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		// Health shows only while the container runs: an engine keeps the
		// last status of a stopped one, which says nothing now (and a
		// container listing does not show it).
		switch {
		case c.State != "running":
		case r.State.Health != nil && r.State.Health.Status != "":
			c.Health = r.State.Health.Status
		case r.State.Healthcheck != nil && r.State.Healthcheck.Status != "":
			c.Health = r.State.Healthcheck.Status
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// formatPorts renders the ports an inspection publishes (see joinPorts).
func formatPorts(r inspected) string {
	var ps []publishedPort
	for port, binds := range r.NetworkSettings.Ports {
		for _, b := range binds {
			ps = append(ps, publishedPort{hostIP: b.HostIP, host: b.HostPort, target: port})
		}
	}
	return joinPorts(ps)
}

// publishedPort is one host binding of a container port: target is
// "8080/tcp", host is "" when the port is not published.
type publishedPort struct{ hostIP, host, target string }

// joinPorts renders published ports like `docker ps`, sorted:
// "0.0.0.0:8080->8080/tcp"; unpublished ports and IPv6 duplicates are
// dropped.
func joinPorts(ps []publishedPort) string {
	var parts []string
	for _, p := range ps {
		if p.host == "" || strings.Contains(p.hostIP, ":") {
			continue
		}
		s := cmp.Or(p.hostIP, "0.0.0.0") + ":" + p.host + "->" + p.target
		if !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// Logs streams `logs [--follow] [--tail N] [--since S] [--timestamps]
// NAME` of every named container at once; lines reach fn one at a time,
// with the instance taken from the container name project-INSTANCE.
func (e *Engine) Logs(ctx context.Context, project string, containerNames []string, opts LogsOptions, fn func(instance, line string)) error {
	return e.streamLogs(ctx, project, containerNames, fn, func(name string) []string {
		return append(append([]string{"logs"}, opts.args()...), name)
	})
}

// args are the engine's logs flags for o, shared by `logs` and
// `service logs`.
func (o LogsOptions) args() []string {
	var args []string
	if o.Follow {
		args = append(args, "--follow")
	}
	if o.Tail > 0 {
		args = append(args, "--tail", fmt.Sprint(o.Tail))
	}
	if o.Since != "" {
		args = append(args, "--since", o.Since)
	}
	if o.Timestamps {
		args = append(args, "--timestamps")
	}
	return args
}

// streamLogs runs the logs command argsOf gives for each container name
// at once and hands their lines to fn one at a time, with the instance
// taken from the container name project-INSTANCE.
func (e *Engine) streamLogs(ctx context.Context, project string, containerNames []string, fn func(instance, line string), argsOf func(name string) []string) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(containerNames))
	for i, name := range containerNames {
		inst := strings.TrimPrefix(strings.TrimPrefix(name, "/"), project+"-")
		cmd := e.cliCmd(ctx, argsOf(name)...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			stderr, err := proc.Stream(ctx, cmd, nil, func(l string) {
				mu.Lock()
				defer mu.Unlock()
				fn(inst, l)
			})
			if err != nil && ctx.Err() == nil {
				errs[i] = proc.CommandError(ctx, cmd, err, stderr)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("container logs: %w", err)
		}
	}
	return nil
}
