//go:build e2e

package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// e2eEngine returns the engine Detect finds. Without one the test is
// skipped, or fails under CI=true.
func e2eEngine(t *testing.T) *Engine {
	t.Helper()
	spec, err := Detect(nil)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no container engine answered: %v", err)
		}
		t.Skipf("no container engine: %v", err)
	}
	e, err := NewEngine(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("engine: %s", e.Name())
	return e
}

// testImage builds tests/testprog statically and its image as tag.
func testImage(t *testing.T, e *Engine, tag string) {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "testprog"), "../../tests/testprog")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build testprog: %v\n%s", err, out)
	}
	df, err := os.ReadFile("../../tests/testprog/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.BuildImage(ctx, dir, tag); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// project is a compose project of stack with an api (published on port,
// with a healthcheck) and a db instance running image.
func project(stack, image string, port int) []byte {
	svc := func(inst, extra string) string {
		return fmt.Sprintf(`  %[2]s:
    image: %[3]s
    container_name: devarch-%[1]s-%[2]s
    labels:
      devarch.managed: "true"
      devarch.stack: %[1]s
      devarch.instance: %[2]s
%[4]s`, stack, inst, image, extra)
	}
	return []byte(fmt.Sprintf("name: devarch-%[1]s\nservices:\n%[2]s%[3]snetworks:\n  default:\n    name: devarch-%[1]s-net\n",
		stack,
		svc("api", fmt.Sprintf("    ports: [\"%d:8080\"]\n    healthcheck:\n      test: [\"CMD\", \"/testprog\", \"health\"]\n      interval: 1s\n", port)),
		svc("db", "    environment:\n      LISTEN_PORTS: \"5432\"\n")))
}

func cleanupProject(t *testing.T, e *Engine, project string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := e.RemoveProject(ctx, project); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
}

func TestEngineUpContainersDown(t *testing.T) {
	e := e2eEngine(t)
	const image = "devarch-testprog:e2e-runtime"
	start := time.Now()
	testImage(t, e, image)
	t.Logf("image built in %s", time.Since(start).Round(time.Millisecond))
	stack := fmt.Sprintf("rt%d", time.Now().UnixNano()%1e6)
	proj := core.ProjectName(stack)
	cleanupProject(t, e, proj)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	port := freePort(t)
	var progress []string
	if err := e.Up(ctx, proj, project(stack, image, port), t.TempDir(), func(l string) { progress = append(progress, l) }); err != nil {
		t.Fatalf("up: %v\nprogress:\n%s", err, strings.Join(progress, "\n"))
	}
	t.Logf("up done at %s", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(strings.Join(progress, "\n"), core.ContainerName(stack, "api")) {
		t.Errorf("progress does not name the api container:\n%s", strings.Join(progress, "\n"))
	}

	var cs []Container
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		cs, err = e.Containers(ctx, stack)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 2 && cs[0].Health == "healthy" && cs[1].State == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("containers not running and healthy after 60s: %+v", cs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("healthy at %s", time.Since(start).Round(time.Millisecond))
	if cs[0].Name != core.ContainerName(stack, "api") || cs[0].Instance() != "api" || !cs[0].Managed() {
		t.Errorf("api container = %+v", cs[0])
	}
	if want := fmt.Sprintf(":%d->8080/tcp", port); !strings.Contains(cs[0].Ports, want) {
		t.Errorf("api ports = %q, want %q", cs[0].Ports, want)
	}
	if cs[1].Health != "" {
		t.Errorf("db has no healthcheck but health = %q", cs[1].Health)
	}

	out, err := e.Exec(ctx, core.ContainerName(stack, "api"), "/testprog", "dial", core.ContainerName(stack, "db")+":5432")
	if err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("api dialing db:5432 = %q, %v", out, err)
	}

	var lines []string
	err = e.Logs(ctx, proj, []string{core.ContainerName(stack, "db")}, LogsOptions{Tail: 10}, func(inst, line string) {
		if inst != "db" {
			t.Errorf("log line attributed to %q, want db", inst)
		}
		lines = append(lines, line)
	})
	if err != nil || !strings.Contains(strings.Join(lines, "\n"), "listening on") {
		t.Errorf("db logs = %q, %v; want its listening line", lines, err)
	}

	foreign := "devarch-" + stack + "-zzz"
	if _, err := e.RunContainer(ctx, foreign, image); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.RemoveContainers(context.Background(), foreign) })
	named, err := e.ContainersNamed(ctx, []string{foreign, core.ContainerName(stack, "db"), "devarch-" + stack + "-missing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(named) != 2 || named[0].Name != core.ContainerName(stack, "db") || named[1].Name != foreign || named[1].Managed() {
		t.Errorf("ContainersNamed = %+v, want db (managed) and the foreign container", named)
	}

	if err := e.Down(ctx, proj, nil, false, nil); err != nil {
		t.Fatalf("down: %v", err)
	}
	t.Logf("down done at %s", time.Since(start).Round(time.Millisecond))
	if cs, err := e.Containers(ctx, stack); err != nil || len(cs) != 0 {
		t.Errorf("after down: %+v, %v; want none", cs, err)
	}
	if still, err := e.ContainersNamed(ctx, []string{foreign}); err != nil || len(still) != 1 || still[0].State != "running" {
		t.Errorf("foreign container after down = %+v, %v; want it untouched and running", still, err)
	}
}

func TestEngineComposeErrorOnTakenPort(t *testing.T) {
	e := e2eEngine(t)
	const image = "devarch-testprog:e2e-runtime"
	testImage(t, e, image)
	stack := fmt.Sprintf("rp%d", time.Now().UnixNano()%1e6)
	proj := core.ProjectName(stack)
	cleanupProject(t, e, proj)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	port := freePort(t)
	holder := "devarch-e2e-portholder-" + stack
	if _, err := e.RunContainer(ctx, holder, "-p", fmt.Sprintf("%d:8080", port), image); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.RemoveContainers(context.Background(), holder) })

	err := e.Up(ctx, proj, project(stack, image, port), "", nil)
	var ce *ComposeError
	if !errors.As(err, &ce) {
		t.Fatalf("up with a taken port = %v, want *ComposeError", err)
	}
	if want := fmt.Sprintf("instance api: port %d already allocated", port); err.Error() != want {
		t.Errorf("error = %q, want %q\nstderr:\n%s", err, want, ce.Stderr)
	}
}

func TestEngineComposeConfigAcceptsGoldens(t *testing.T) {
	e := e2eEngine(t)
	files, err := filepath.Glob("../../core/compose/testdata/*.golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no core/compose/testdata/*.golden files: the goldens are part of the repository")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := e.ComposeConfig(ctx, data)
			if err != nil {
				t.Fatalf("compose config rejects %s: %v", f, err)
			}
			// "Unchanged": what docker compose makes of the file is what
			// devarch wrote. Both are loaded by compose-go and compared
			// service by service, field by field.
			ours, theirs := loadProject(t, "ours", data), loadProject(t, "docker compose config", out)
			if ours.Name != theirs.Name {
				t.Errorf("project name: ours %q, docker compose %q", ours.Name, theirs.Name)
			}
			if !slices.Equal(ours.ServiceNames(), theirs.ServiceNames()) {
				t.Fatalf("services: ours %v, docker compose %v", ours.ServiceNames(), theirs.ServiceNames())
			}
			for _, name := range ours.ServiceNames() {
				a, b := ours.Services[name], theirs.Services[name]
				for _, f := range []struct {
					field  string
					ta, tb any
				}{
					{"container_name", a.ContainerName, b.ContainerName},
					{"image", a.Image, b.Image},
					{"command", a.Command, b.Command},
					{"entrypoint", a.Entrypoint, b.Entrypoint},
					{"environment", a.Environment, b.Environment},
					{"labels", a.Labels, b.Labels},
					{"ports", a.Ports, b.Ports},
					{"volumes", a.Volumes, b.Volumes},
					{"healthcheck", a.HealthCheck, b.HealthCheck},
					{"depends_on", a.DependsOn, b.DependsOn},
					{"networks", a.Networks, b.Networks},
					{"restart", a.Restart, b.Restart},
					{"user", a.User, b.User},
				} {
					if !reflect.DeepEqual(f.ta, f.tb) {
						t.Errorf("service %s %s changed by docker compose config:\nours:   %#v\ntheirs: %#v", name, f.field, f.ta, f.tb)
					}
				}
			}
			for key, n := range ours.Networks {
				m, ok := theirs.Networks[key]
				if !ok || n.Name != m.Name || !reflect.DeepEqual(n.Labels, m.Labels) || n.External != m.External {
					t.Errorf("network %s: ours %+v, docker compose %+v", key, n, m)
				}
			}
		})
	}
}

// loadProject loads a compose file with compose-go, validation and
// normalization on.
func loadProject(t *testing.T, what string, data []byte) *types.Project {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SkipValidation = false
		o.SkipNormalization = false
		o.SkipConsistencyCheck = false
	})
	if err != nil {
		t.Fatalf("compose-go refuses %s: %v\n%s", what, err, data)
	}
	return p
}
