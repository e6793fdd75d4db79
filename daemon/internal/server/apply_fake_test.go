package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// fakeRuntime is an in-memory runtime.Runtime: Up creates containers from
// the compose YAML's services (name, labels, image), Down removes the
// project's containers. Hooks let tests fail or block calls.
type fakeRuntime struct {
	mu         sync.Mutex
	containers map[string]runtime.Container // by name
	ups        []fakeCall
	// serviceUps are the UpServices calls: [start, stopped].
	serviceUps [][2][]string
	downs      []fakeCall

	// upHook runs at the start of Up (n counts Up calls from 1); a non-nil
	// error fails the call before anything changes.
	upHook func(ctx context.Context, n int, progress func(string)) error
	// afterUp adjusts containers after a successful Up.
	afterUp func(cs map[string]runtime.Container)
	downErr error
	// downHook runs at the start of Down, outside the fake's lock.
	downHook func()
	logs     []fakeLog
	// health is what HealthLog answers, by container name.
	health map[string][]runtime.HealthResult
	// volumes are the named volumes Up created (PROJECT_NAME), as compose
	// names them; Down with volumes and RemoveVolumes remove them.
	volumes map[string]bool
	// rmVolumesErr fails RemoveVolumes.
	rmVolumesErr error
	fakeImages
	// project is the compose project that created each container, and
	// volProject each volume (per-service mode's have their own names);
	// volStack is the devarch.stack label of a volume that has one.
	project, volProject, volStack map[string]string
	// networks are those EnsureNetwork created (per-service mode);
	// dupNetworks counts networks created twice.
	networks    map[string]bool
	dupNetworks int
}

type fakeCall struct {
	Project string
	YAML    string
	Workdir string
	Volumes bool // a Down that removes volumes
}

type fakeLog struct{ container, instance, line string }

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{containers: map[string]runtime.Container{}, volumes: map[string]bool{},
		project: map[string]string{}, volProject: map[string]string{}, volStack: map[string]string{}, networks: map[string]bool{}}
}

func (f *fakeRuntime) Name() string { return "fake compose" }
func (f *fakeRuntime) Kind() string { return "fake" }

type composeDoc struct {
	Services map[string]struct {
		ContainerName string    `yaml:"container_name"`
		Image         string    `yaml:"image"`
		Labels        yaml.Node `yaml:"labels"`
		Healthcheck   *struct {
			Test yaml.Node `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func nodeLabels(n yaml.Node) map[string]string {
	out := map[string]string{}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = n.Content[i+1].Value
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			k, v, _ := strings.Cut(c.Value, "=")
			out[k] = v
		}
	}
	return out
}

func (f *fakeRuntime) Up(ctx context.Context, project string, composeYAML []byte, workdir string, progress func(string)) error {
	f.mu.Lock()
	f.ups = append(f.ups, fakeCall{Project: project, YAML: string(composeYAML), Workdir: workdir})
	n := len(f.ups)
	hook := f.upHook
	f.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, n, progress); err != nil {
			return err
		}
	}
	var doc composeDoc
	if err := yaml.Unmarshal(composeYAML, &doc); err != nil {
		return fmt.Errorf("fake: parse compose yaml: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	stack := strings.TrimPrefix(project, "devarch-")
	keep := map[string]bool{}
	for svc, def := range doc.Services {
		labels := nodeLabels(def.Labels)
		name := def.ContainerName
		if name == "" {
			name = project + "-" + svc
		}
		c := runtime.Container{ID: "id-" + name, Name: name, Image: def.Image, ImageID: f.images[def.Image], State: "running", Labels: labels}
		if def.Healthcheck != nil {
			c.Health = "healthy"
		}
		f.containers[name] = c
		f.project[name] = project
		keep[name] = true
		progress("Container " + name + "  Started")
	}
	for name := range f.containers {
		if f.inProject(name, project, stack) && !keep[name] {
			delete(f.containers, name)
			delete(f.project, name)
		}
	}
	for v, cfg := range doc.Volumes {
		name := project + "_" + v
		if m, ok := cfg.(map[string]any); ok {
			if n, ok := m["name"].(string); ok && n != "" {
				name = n
			}
			if labels, ok := m["labels"].(map[string]any); ok {
				if st, ok := labels[core.LabelStack].(string); ok {
					f.volStack[name] = st
				}
			}
		}
		f.volumes[name] = true
		if _, ok := f.volProject[name]; !ok {
			f.volProject[name] = project
		}
	}
	if f.afterUp != nil {
		f.afterUp(f.containers)
	}
	return nil
}

func (f *fakeRuntime) Down(ctx context.Context, project string, composeYAML []byte, volumes bool, progress func(string)) error {
	if f.downHook != nil {
		f.downHook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.downs = append(f.downs, fakeCall{Project: project, YAML: string(composeYAML), Volumes: volumes})
	if f.downErr != nil {
		return f.downErr
	}
	stack := strings.TrimPrefix(project, "devarch-")
	for name, c := range f.containers {
		if f.inProject(name, project, stack) && c.Labels[core.LabelManaged] == "true" {
			delete(f.containers, name)
			delete(f.project, name)
			progress("Container " + name + "  Removed")
		}
	}
	if volumes {
		// Like compose: the volumes the file declares, or without a file
		// every volume of the project.
		var doc composeDoc
		if composeYAML != nil {
			if err := yaml.Unmarshal(composeYAML, &doc); err != nil {
				return fmt.Errorf("fake: parse compose yaml: %w", err)
			}
		}
		for v := range f.volumes {
			_, declared := doc.Volumes[strings.TrimPrefix(v, project+"_")]
			ours := strings.HasPrefix(v, project+"_") || f.volProject[v] == project
			if ours && (composeYAML == nil || declared) {
				delete(f.volumes, v)
				delete(f.volProject, v)
				delete(f.volStack, v)
				progress("Volume " + v + "  Removed")
			}
		}
	}
	return nil
}

func (f *fakeRuntime) Volumes(ctx context.Context, project string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for v := range f.volumes {
		// Like the engine: by compose's project label, and the name.
		if p := f.volProject[v]; strings.HasPrefix(v, project+"_") && (p == "" || p == project) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// inProject reports whether container name belongs to project: the one
// that created it, or for a container the test added, the project of its
// stack label (devarch-{stack}). The caller holds f.mu.
func (f *fakeRuntime) inProject(name, project, stack string) bool {
	if p, ok := f.project[name]; ok {
		return p == project
	}
	return f.containers[name].Labels[core.LabelStack] == stack
}

// StackVolumes lists the volumes labeled as stack's and named
// devarch-{stack}_NAME, as runtime.Engine does.
func (f *fakeRuntime) StackVolumes(ctx context.Context, stack string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for v := range f.volumes {
		if f.volStack[v] == stack && strings.HasPrefix(v, core.ProjectName(stack)+"_") {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// EnsureNetwork and RemoveNetwork make the fake a runtime that owns
// networks, as per-service mode needs.
// Like the engine, it may create a second network of the same name when
// two calls both find it missing: dupNetworks counts those.
func (f *fakeRuntime) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	exists := f.networks[name]
	f.mu.Unlock()
	if exists {
		return nil
	}
	time.Sleep(20 * time.Millisecond) // between the lookup and the create
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.networks[name] {
		f.dupNetworks++
	}
	f.networks[name] = true
	return nil
}

func (f *fakeRuntime) RemoveNetwork(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.networks, name)
	return nil
}

func (f *fakeRuntime) RemoveVolumes(ctx context.Context, names []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rmVolumesErr != nil {
		return f.rmVolumesErr
	}
	for _, v := range names {
		delete(f.volumes, v)
		delete(f.volProject, v)
		delete(f.volStack, v)
	}
	return nil
}

// addVolume adds a named volume, as one left by an earlier apply.
func (f *fakeRuntime) addVolume(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.volumes[name] = true
}

// addInstanceVolume adds a volume a per-service instance project made:
// named devarch-{stack}_NAME, labeled with its project and stack.
func (f *fakeRuntime) addInstanceVolume(name, project, stack string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.volumes[name], f.volProject[name], f.volStack[name] = true, project, stack
}

// volumeNames lists every volume the fake holds, sorted.
func (f *fakeRuntime) volumeNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.volumes))
	for v := range f.volumes {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func (f *fakeRuntime) Containers(ctx context.Context, stack string) ([]runtime.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []runtime.Container
	for _, c := range f.containers {
		if c.Labels[core.LabelManaged] == "true" && c.Labels[core.LabelStack] == stack {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b runtime.Container) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (f *fakeRuntime) ContainersNamed(ctx context.Context, names []string) ([]runtime.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []runtime.Container
	for _, n := range names {
		if c, ok := f.containers[n]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeRuntime) Logs(ctx context.Context, project string, containerNames []string, opts runtime.LogsOptions, fn func(instance, line string)) error {
	f.mu.Lock()
	logs := slices.Clone(f.logs)
	f.mu.Unlock()
	for _, l := range logs {
		if slices.Contains(containerNames, l.container) {
			fn(l.instance, l.line)
		}
	}
	return nil
}

// addForeign adds a container without devarch labels.
func (f *fakeRuntime) addForeign(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers[name] = runtime.Container{ID: "foreign", Name: name, Image: "docker.io/library/busybox:1", State: "running", Labels: map[string]string{}}
}

func (f *fakeRuntime) counts() (ups, downs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ups), len(f.downs)
}

func (f *fakeRuntime) upCalls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ups)
}

func (f *fakeRuntime) downCalls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.downs)
}

var _ runtime.Runtime = (*fakeRuntime)(nil)
