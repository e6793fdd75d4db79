package runtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// KindSwarm is the Docker Swarm runtime: stacks deployed with `docker
// stack deploy`. It is never detected; a stack is bound to it explicitly.
const KindSwarm = "swarm"

// stackLabel is the label docker stack deploy puts on what it creates for
// a stack: services, networks, volumes, and the tasks' containers.
const stackLabel = "com.docker.stack.namespace"

// DefaultSwarmWait bounds how long Up waits for a deployed stack's
// services to converge.
const DefaultSwarmWait = 3 * time.Minute

// Swarm is a Runtime deploying compose files as swarm stacks through the
// docker CLI (the local engine, or a remote manager through DOCKER_HOST or
// DOCKER_CONTEXT). Its project is the stack's name, devarch-{stack}; the
// compose file is core/compose's GenerateSwarm output.
type Swarm struct {
	e *Engine
	// Wait bounds Up's wait for convergence; 0 is DefaultSwarmWait.
	Wait time.Duration
	// Poll is the interval between convergence checks; 0 is one second.
	Poll time.Duration

	nameOnce sync.Once
	name     string
}

// NewSwarm builds the swarm runtime spec names (Kind KindSwarm; Binary
// defaults to docker). It runs nothing.
func NewSwarm(spec Spec) (*Swarm, error) {
	if spec.Kind != KindSwarm {
		return nil, fmt.Errorf("kind %q is not %q", spec.Kind, KindSwarm)
	}
	e, err := NewEngine(Spec{Kind: KindDocker, Binary: spec.Binary, Env: spec.Env})
	if err != nil {
		return nil, err
	}
	return &Swarm{e: e}, nil
}

// Kind is "swarm".
func (s *Swarm) Kind() string { return KindSwarm }

// Name is "docker swarm (context NAME)" or "docker swarm (host URL)".
func (s *Swarm) Name() string {
	s.nameOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.name = "docker swarm (" + s.e.dockerTarget(ctx) + ")"
	})
	return s.name
}

// CheckManager reports an error unless the engine is an active swarm
// manager: deploying and reading stacks needs one.
func (s *Swarm) CheckManager(ctx context.Context) error {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"), nil)
	if err != nil {
		return fmt.Errorf("swarm: %w", err)
	}
	if f := strings.Fields(out); len(f) != 2 || f[0] != "active" || f[1] != "true" {
		return fmt.Errorf("swarm: the engine (%s) is not an active swarm manager (state %q): run docker swarm init there, or point --context or DOCKER_HOST at a manager",
			s.e.dockerTarget(ctx), strings.TrimSpace(out))
	}
	return nil
}

// Nodes is how many nodes the swarm has: an instance that builds its
// image may run only on a single-node swarm (see core/compose's
// SwarmOptions.LocalImage).
func (s *Swarm) Nodes(ctx context.Context) (int, error) {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "node", "ls", "-q"), nil)
	if err != nil {
		return 0, fmt.Errorf("list swarm nodes: %w", err)
	}
	return len(strings.Fields(out)), nil
}

// ImageExists reports whether the engine holds image (ref as written).
func (s *Swarm) ImageExists(ctx context.Context, ref string) (bool, error) {
	out, err := s.e.output(ctx, s.e.cliCmd(ctx, "image", "ls", "-q", ref), nil)
	if err != nil {
		return false, fmt.Errorf("list images %s: %w", ref, err)
	}
	return strings.TrimSpace(out) != "", nil
}

// LocalImages is the check core/compose's SwarmOptions.LocalImage takes:
// on a single-node swarm, whether the node holds an image (an instance
// that builds its image may run there once it is built); on a swarm of
// more nodes, never, as the other nodes could not pull it.
func (s *Swarm) LocalImages(ctx context.Context) (func(instance, image string) bool, error) {
	n, err := s.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return func(string, string) bool { return false }, nil
	}
	return func(_, image string) bool {
		ok, err := s.ImageExists(ctx, image)
		return err == nil && ok
	}, nil
}

// Up deploys project from composeYAML (on stdin) with `docker stack deploy
// -c - --prune --with-registry-auth=false --resolve-image never PROJECT`,
// then waits until every service runs all its replicas (healthy, where it
// has a healthcheck: swarm counts a task running only then). A service
// swarm rolled back, or whose new tasks keep failing, fails the wait; the
// *ComposeError names its instance and the task's error. workdir is
// unused: swarm reads no relative path.
func (s *Swarm) Up(ctx context.Context, project string, composeYAML []byte, workdir string, progress func(string)) error {
	if err := s.CheckManager(ctx); err != nil {
		return &ComposeError{Op: "up", Reason: err.Error()}
	}
	before, err := s.snapshot(ctx, project)
	if err != nil {
		return &ComposeError{Op: "up", Reason: err.Error()}
	}
	cmd := s.e.cliCmd(ctx, "stack", "deploy", "-c", "-", "--prune", "--with-registry-auth=false", "--resolve-image", "never", project)
	cmd.Dir = "/"
	stderr, err := proc.Stream(ctx, cmd, composeYAML, func(l string) {
		if progress != nil && strings.TrimSpace(l) != "" {
			progress(strings.TrimSpace(l))
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ce := &ComposeError{Op: "up", Reason: reason(proc.ErrorLine(stderr)), Stderr: stderr}
		if !proc.ExitErr(err) {
			ce.Reason = fmt.Sprintf("run %s stack deploy: %v", s.e.cli, err)
		}
		return ce
	}
	return s.wait(ctx, project, before, progress)
}

// failedTasks is how many new tasks of a service may fail before the wait
// gives up on it (swarm would go on replacing them).
const failedTasks = 3

// wait polls project's services and tasks until each service converged,
// one failed, or the wait's bound passed. What before holds is older than
// this deploy and is not counted against it.
func (s *Swarm) wait(ctx context.Context, project string, before snapshot, progress func(string)) error {
	limit := s.Wait
	if limit <= 0 {
		limit = DefaultSwarmWait
	}
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	deadline := time.Now().Add(limit)
	said := map[string]string{}
	notes := map[string]string{} // service: why swarm began to roll back
	for {
		svcs, err := s.services(ctx, project)
		if err != nil {
			return &ComposeError{Op: "up", Reason: err.Error()}
		}
		tasks, err := s.tasks(ctx, project)
		if err != nil {
			return &ComposeError{Op: "up", Reason: err.Error()}
		}
		var pending []convergence
		for _, svc := range svcs {
			st := converge(svc, tasks, before)
			if progress != nil && said[svc.Spec.Name] != st.summary {
				said[svc.Spec.Name] = st.summary
				progress(fmt.Sprintf("Service %s %s", svc.Spec.Name, st.summary))
			}
			if u := svc.UpdateState(); (u == "rollback_started" || u == "paused") && svc.UpdateStatus.Message != "" {
				notes[svc.Spec.Name] = svc.UpdateStatus.Message
			}
			if st.failed != "" {
				if note := notes[svc.Spec.Name]; note != "" && st.lastError == "" {
					st.failed = strings.TrimSuffix(st.failed, ": "+svc.UpdateStatus.Message) + ": " + note
				}
				return &ComposeError{Op: "up", Instance: svc.Instance(project), Reason: st.failed}
			}
			if !st.ready {
				st.instance = svc.Instance(project)
				pending = append(pending, st)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			st := pending[0]
			reason := fmt.Sprintf("not converged after %s: %s", limit, st.summary)
			if st.lastError != "" {
				reason += "; last task error: " + st.lastError
			}
			return &ComposeError{Op: "up", Instance: st.instance, Reason: reason}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// convergence is how far one service got.
type convergence struct {
	instance  string
	ready     bool
	failed    string // why the service failed, or ""
	summary   string // "2/2 running", "updating: 1/2 running"
	lastError string // the latest error of a new task
}

// converge judges svc from its tasks: ready when as many tasks as it wants
// run and no update this deploy started is under way; failed when swarm
// rolled that update back or paused it, or when failedTasks of its new
// tasks failed.
func converge(svc swarmService, tasks []swarmTask, before snapshot) convergence {
	want := svc.Replicas()
	running, failed := 0, 0
	var c convergence
	for _, t := range tasks {
		if t.Service() != svc.Spec.Name {
			continue
		}
		state := t.State()
		if t.DesiredState == "Running" && state == "running" {
			running++
		}
		if before.tasks[t.ID] {
			continue
		}
		if state == "failed" || state == "rejected" || t.Error != "" {
			failed++
			if c.lastError == "" && t.Error != "" { // tasks come newest first
				c.lastError = t.Name + ": " + t.Error
			}
		}
	}
	update := ""
	if svc.updateStarted() != before.updates[svc.Spec.Name] {
		update = svc.UpdateState()
	}
	c.summary = fmt.Sprintf("%d/%d running", running, want)
	if update != "" && update != "completed" {
		c.summary = update + ": " + c.summary
	}
	switch {
	case update == "rollback_completed" || update == "rollback_paused" || update == "paused":
		c.failed = map[string]string{
			"rollback_completed": "update failed; swarm rolled it back",
			"rollback_paused":    "update failed; swarm paused its rollback",
			"paused":             "update failed; swarm paused it",
		}[update]
		if c.lastError != "" {
			c.failed += ": " + c.lastError
		} else if msg := svc.UpdateStatus.Message; msg != "" {
			c.failed += ": " + msg
		}
	case failed >= failedTasks && running < want:
		c.failed = fmt.Sprintf("%d new tasks failed; last: %s", failed, c.lastError)
	case running == want && (update == "" || update == "completed"):
		c.ready = true
	}
	return c
}

var _ Runtime = (*Swarm)(nil)

// Build builds services' images with the local engine, only on a
// single-node swarm: another node could not run an image that exists only
// here (see Nodes).
func (s *Swarm) Build(ctx context.Context, project string, composeYAML []byte, workdir string, services []string, progress func(string)) error {
	if len(services) == 0 {
		return nil
	}
	n, err := s.Nodes(ctx)
	if err != nil {
		return &ComposeError{Op: "build", Reason: err.Error()}
	}
	if n != 1 {
		return &ComposeError{Op: "build", Instance: services[0], Reason: fmt.Sprintf(
			"the swarm has %d nodes and an image built here exists on this node only: build and push it to a registry the nodes pull from, and give the instance that image", n)}
	}
	return s.e.Build(ctx, project, composeYAML, workdir, services, progress)
}

// Pull pulls refs with the local engine (see Engine.Pull).
func (s *Swarm) Pull(ctx context.Context, refs []string, timeout time.Duration, progress func(string)) error {
	return s.e.Pull(ctx, refs, timeout, progress)
}

// RemoveImages removes images from the local engine, where Build built
// them (see Engine.RemoveImages).
func (s *Swarm) RemoveImages(ctx context.Context, refs []string) ([]string, error) {
	return s.e.RemoveImages(ctx, refs)
}

// ImageIDs resolves refs on the local engine (see Engine.ImageIDs).
func (s *Swarm) ImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	return s.e.ImageIDs(ctx, refs)
}
