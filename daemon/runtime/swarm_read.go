package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// swarmService is what `docker service inspect` says of a service, as far
// as devarch reads it.
type swarmService struct {
	ID   string `json:"ID"`
	Spec struct {
		Name         string            `json:"Name"`
		Labels       map[string]string `json:"Labels"`
		TaskTemplate struct {
			ContainerSpec struct {
				Image       string            `json:"Image"`
				Labels      map[string]string `json:"Labels"`
				Healthcheck *struct {
					Test []string `json:"Test"`
				} `json:"Healthcheck"`
			} `json:"ContainerSpec"`
		} `json:"TaskTemplate"`
		Mode struct {
			Replicated *struct {
				Replicas *int `json:"Replicas"`
			} `json:"Replicated"`
		} `json:"Mode"`
	} `json:"Spec"`
	UpdateStatus *struct {
		State     string `json:"State"`
		StartedAt string `json:"StartedAt"`
		Message   string `json:"Message"`
	} `json:"UpdateStatus"`
}

// Replicas is how many tasks the service wants running (1 when unset).
func (v swarmService) Replicas() int {
	if r := v.Spec.Mode.Replicated; r != nil && r.Replicas != nil {
		return *r.Replicas
	}
	return 1
}

// UpdateState is the state of the service's last update, or "".
func (v swarmService) UpdateState() string {
	if v.UpdateStatus == nil {
		return ""
	}
	return v.UpdateStatus.State
}

// updateStarted identifies the service's last update, or "".
func (v swarmService) updateStarted() string {
	if v.UpdateStatus == nil {
		return ""
	}
	return v.UpdateStatus.StartedAt
}

// Instance is the service's devarch.instance label, else its name without
// the stack's prefix.
func (v swarmService) Instance(project string) string {
	if i := v.Spec.Labels[core.LabelInstance]; i != "" {
		return i
	}
	return strings.TrimPrefix(v.Spec.Name, project+"_")
}

// swarmTask is one line of `docker stack ps --format '{{json .}}'`.
type swarmTask struct {
	ID           string `json:"ID"`
	Name         string `json:"Name"` // SERVICE.SLOT
	Image        string `json:"Image"`
	Node         string `json:"Node"`
	DesiredState string `json:"DesiredState"`
	CurrentState string `json:"CurrentState"` // "Running 5 seconds ago"
	Error        string `json:"Error"`
	Ports        string `json:"Ports"`
}

// Service is the name of the task's service.
func (t swarmTask) Service() string {
	if i := strings.LastIndexByte(t.Name, '.'); i > 0 {
		return t.Name[:i]
	}
	return t.Name
}

// State is the first word of the task's current state, lowercase:
// running, starting, preparing, failed, shutdown, complete, ...
func (t swarmTask) State() string {
	f := strings.Fields(t.CurrentState)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// services inspects project's services.
func (s *Swarm) services(ctx context.Context, project string) ([]swarmService, error) {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "service", "ls", "-q", "--filter", "label="+stackLabel+"="+project), nil)
	if err != nil {
		return nil, fmt.Errorf("list services of stack %s: %w", project, err)
	}
	ids := strings.Fields(out)
	if len(ids) == 0 {
		return nil, nil
	}
	out, err = s.e.output(ctx, s.e.cliCmd(ctx, append([]string{"service", "inspect"}, ids...)...), nil)
	if err != nil && strings.TrimSpace(out) == "" {
		return nil, fmt.Errorf("inspect services of stack %s: %w", project, err)
	}
	var svcs []swarmService
	if err := json.Unmarshal([]byte(out), &svcs); err != nil {
		return nil, fmt.Errorf("inspect services of stack %s: %w", project, err)
	}
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Spec.Name < svcs[j].Spec.Name })
	return svcs, nil
}

// tasks lists project's tasks, newest first within a service slot, with
// `docker stack ps --no-trunc`. A stack that does not exist has none.
func (s *Swarm) tasks(ctx context.Context, project string) ([]swarmTask, error) {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "stack", "ps", "--no-trunc", "--format", "{{json .}}", project), nil)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "nothing found in stack") {
			return nil, nil
		}
		return nil, fmt.Errorf("list tasks of stack %s: %w", project, err)
	}
	return parseTasks(out)
}

// parseTasks reads lines of `{{json .}}` task output.
func parseTasks(out string) ([]swarmTask, error) {
	var tasks []swarmTask
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l == "" || !strings.HasPrefix(l, "{") {
			continue
		}
		var t swarmTask
		if err := json.Unmarshal([]byte(l), &t); err != nil {
			return nil, fmt.Errorf("read task %q: %w", l, err)
		}
		// Tasks replaced in a slot are listed as "\_ NAME".
		t.Name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t.Name), `\_`))
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// snapshot is what a deploy starts from: the tasks that exist and each
// service's last update, so only what the deploy starts is judged.
type snapshot struct {
	tasks   map[string]bool
	updates map[string]string // service name: its update's start
}

func (s *Swarm) snapshot(ctx context.Context, project string) (snapshot, error) {
	snap := snapshot{tasks: map[string]bool{}, updates: map[string]string{}}
	tasks, err := s.tasks(ctx, project)
	if err != nil {
		return snap, err
	}
	for _, t := range tasks {
		snap.tasks[t.ID] = true
	}
	svcs, err := s.services(ctx, project)
	if err != nil {
		return snap, err
	}
	for _, v := range svcs {
		snap.updates[v.Spec.Name] = v.updateStarted()
	}
	return snap, nil
}

// Down runs `docker stack rm PROJECT` and waits until its services,
// their containers and its networks are gone (stack rm returns before).
// With volumes, the stack's named volumes are removed then. composeYAML
// is unused.
func (s *Swarm) Down(ctx context.Context, project string, composeYAML []byte, volumes bool, progress func(string)) error {
	cmd := s.e.cliCmd(ctx, "stack", "rm", project)
	stderr, err := proc.Stream(ctx, cmd, nil, func(l string) {
		if progress != nil && strings.TrimSpace(l) != "" {
			progress(strings.TrimSpace(l))
		}
	})
	if err != nil && !strings.Contains(strings.ToLower(stderr), "nothing found in stack") {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &ComposeError{Op: "down", Reason: reason(proc.ErrorLine(stderr)), Stderr: stderr}
	}
	limit := s.Wait
	if limit <= 0 {
		limit = DefaultSwarmWait
	}
	deadline := time.Now().Add(limit)
	filter := "label=" + stackLabel + "=" + project
	for {
		var left []string
		for _, q := range [][]string{
			{"service", "ls", "-q", "--filter", filter},
			{"ps", "-a", "-q", "--filter", filter},
			{"network", "ls", "-q", "--filter", filter},
		} {
			out, err := s.e.output(ctx, s.e.cliCmd(ctx, q...), nil)
			if err != nil {
				return &ComposeError{Op: "down", Reason: err.Error()}
			}
			if n := len(strings.Fields(out)); n > 0 {
				left = append(left, fmt.Sprintf("%d %s", n, map[string]string{"service": "services", "ps": "containers", "network": "networks"}[q[0]]))
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return &ComposeError{Op: "down", Reason: fmt.Sprintf("stack %s still has %s after %s", project, strings.Join(left, ", "), limit)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if !volumes {
		return nil
	}
	names, err := s.Volumes(ctx, project)
	if err != nil {
		return err
	}
	return s.RemoveVolumes(ctx, names)
}

// Volumes lists the named volumes docker stack deploy created for project
// (labeled com.docker.stack.namespace=PROJECT), sorted.
func (s *Swarm) Volumes(ctx context.Context, project string) ([]string, error) {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "volume", "ls", "-q", "--filter", "label="+stackLabel+"="+project), nil)
	if err != nil {
		return nil, fmt.Errorf("list volumes of stack %s: %w", project, err)
	}
	return projectVolumes(project, out), nil
}

// RemoveVolumes runs `volume rm NAMES...` on the engine the CLI talks to
// (on a multi-node swarm, each node keeps its own volumes).
func (s *Swarm) RemoveVolumes(ctx context.Context, names []string) error {
	return s.e.RemoveVolumes(ctx, names)
}

// Containers lists the tasks of stack's services that swarm wants running
// (the services labeled devarch.managed=true and devarch.stack=stack), one
// Container per task: ID and Name the task's (SERVICE.SLOT), State the
// first word of its current state in lowercase, Health "healthy" for a
// running task of a service with a healthcheck (swarm runs it only once
// healthy) and "starting" before, Labels the service's container labels
// (devarch.instance maps it to its instance). Sorted by name.
func (s *Swarm) Containers(ctx context.Context, stack string) ([]Container, error) {
	project := core.ProjectName(stack)
	svcs, err := s.services(ctx, project)
	if err != nil {
		return nil, err
	}
	byName := map[string]swarmService{}
	for _, v := range svcs {
		if v.Spec.Labels[core.LabelManaged] == "true" && v.Spec.Labels[core.LabelStack] == stack {
			byName[v.Spec.Name] = v
		}
	}
	if len(byName) == 0 {
		return nil, nil
	}
	tasks, err := s.tasks(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []Container
	for _, t := range tasks {
		v, ok := byName[t.Service()]
		if !ok || t.DesiredState != "Running" {
			continue
		}
		c := Container{ID: t.ID, Name: t.Name, Image: t.Image, State: t.State(), Ports: t.Ports, Labels: map[string]string{}}
		for k, val := range v.Spec.TaskTemplate.ContainerSpec.Labels {
			c.Labels[k] = val
		}
		if hc := v.Spec.TaskTemplate.ContainerSpec.Healthcheck; hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE" {
			c.Health = "starting"
			if c.State == "running" {
				c.Health = "healthy"
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ContainersNamed returns the local engine's containers named one of
// names, as Engine does: swarm names its tasks' containers
// SERVICE.SLOT.TASK, so a devarch container name is never one of them.
func (s *Swarm) ContainersNamed(ctx context.Context, names []string) ([]Container, error) {
	return s.e.ContainersNamed(ctx, names)
}

// Logs streams `docker service logs --raw` with the logs options
// PROJECT_INSTANCE` for the instance of each container name
// devarch-{stack}-{instance}: every replica's lines, wherever it runs.
func (s *Swarm) Logs(ctx context.Context, project string, containerNames []string, opts LogsOptions, fn func(instance, line string)) error {
	return s.e.streamLogs(ctx, project, containerNames, fn, func(name string) []string {
		inst := strings.TrimPrefix(strings.TrimPrefix(name, "/"), project+"-")
		return append(append([]string{"service", "logs", "--raw", "--no-trunc"}, opts.args()...), project+"_"+inst)
	})
}
