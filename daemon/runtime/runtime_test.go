package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleYAML = "name: devarch-shop\nservices:\n  api:\n    image: x\n"

// mustEngine builds spec's engine driven only through its CLI (a fake, in
// these tests), never the API socket a local docker engine may have; the
// API path has its own tests (engine_api_test.go).
func mustEngine(t *testing.T, spec Spec) *Engine {
	t.Helper()
	e, err := NewEngine(spec)
	if err != nil {
		t.Fatalf("NewEngine(%+v): %v", spec, err)
	}
	e.api = nil
	return e
}

func TestNewRejectsUnknownKinds(t *testing.T) {
	for _, kind := range []string{"", "containerd", "Docker"} {
		t.Run(kind, func(t *testing.T) {
			rt, err := New(Spec{Kind: kind})
			if err == nil || rt != nil {
				t.Fatalf("New(%q) = %v, %v; want an error", kind, rt, err)
			}
			if !strings.Contains(err.Error(), "docker") || !strings.Contains(err.Error(), "podman") {
				t.Errorf("error %q does not name the valid kinds", err)
			}
		})
	}
}

func TestDockerUp(t *testing.T) {
	f := newFake(t, "docker")
	f.reply("docker-compose-up", "", " Container devarch-shop-api  Creating\n Container devarch-shop-api  Started\n", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker"), Env: map[string]string{"DOCKER_CONTEXT": "ci"}})
	wd := t.TempDir()
	var progress []string
	if err := e.Up(context.Background(), "devarch-shop", []byte(sampleYAML), wd, func(l string) { progress = append(progress, l) }); err != nil {
		t.Fatal(err)
	}
	c := f.only()
	want := []string{"compose", "-p", "devarch-shop", "-f", "-", "--project-directory", wd, "up", "-d", "--remove-orphans"}
	if !reflect.DeepEqual(c.Args, want) {
		t.Errorf("args = %q, want %q", c.Args, want)
	}
	if c.Stdin != sampleYAML {
		t.Errorf("stdin = %q, want the compose yaml", c.Stdin)
	}
	if c.Env["DOCKER_CONTEXT"] != "ci" {
		t.Errorf("DOCKER_CONTEXT = %q, want ci from the spec", c.Env["DOCKER_CONTEXT"])
	}
	wantProgress := []string{"Container devarch-shop-api  Creating", "Container devarch-shop-api  Started"}
	if !reflect.DeepEqual(progress, wantProgress) {
		t.Errorf("progress = %q, want %q", progress, wantProgress)
	}
	if entries, _ := os.ReadDir(wd); len(entries) != 0 {
		t.Errorf("workdir has %d files; the compose yaml must not be written", len(entries))
	}
}

func TestDockerUpFailureIsComposeError(t *testing.T) {
	f := newFake(t, "docker")
	stderr, err := os.ReadFile("testdata/stderr/docker-port-allocated.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.reply("docker-compose-up", "", string(stderr), 1)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	err = e.Up(context.Background(), "devarch-samp", []byte(sampleYAML), "", nil)
	var ce *ComposeError
	if !errors.As(err, &ce) {
		t.Fatalf("Up error = %v (%T), want *ComposeError", err, err)
	}
	if got, want := err.Error(), "instance api: port 18081 already allocated"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if ce.Op != "up" || !strings.Contains(ce.Stderr, "Bind for 0.0.0.0:18081") {
		t.Errorf("ComposeError = %+v, want op up with the engine's stderr", ce)
	}
}

func TestDockerDown(t *testing.T) {
	tests := []struct {
		name      string
		yaml      []byte
		volumes   bool
		wantArgs  []string
		wantStdin string
	}{
		{"with yaml", []byte(sampleYAML), false, []string{"compose", "-p", "devarch-shop", "-f", "-", "down", "--remove-orphans"}, sampleYAML},
		{"without yaml", nil, false, []string{"compose", "-p", "devarch-shop", "down", "--remove-orphans"}, ""},
		{"with volumes", []byte(sampleYAML), true, []string{"compose", "-p", "devarch-shop", "-f", "-", "down", "--remove-orphans", "--volumes"}, sampleYAML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "docker")
			e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
			if err := e.Down(context.Background(), "devarch-shop", tt.yaml, tt.volumes, func(string) {}); err != nil {
				t.Fatal(err)
			}
			c := f.only()
			if !reflect.DeepEqual(c.Args, tt.wantArgs) {
				t.Errorf("args = %q, want %q", c.Args, tt.wantArgs)
			}
			if c.Stdin != tt.wantStdin {
				t.Errorf("stdin = %q, want %q", c.Stdin, tt.wantStdin)
			}
		})
	}
}

// Volumes lists the volumes compose labeled with the project and named
// PROJECT_NAME; a volume of project devarch-shop-x, or one only labeled so,
// is not devarch-shop's.
func TestVolumes(t *testing.T) {
	f := newFake(t, "docker")
	f.reply("docker-volume", "devarch-shop_db-data\ndevarch-shop-x_data\nmine\ndevarch-shop_cache\ndevarch-shop_\n", "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	got, err := e.Volumes(context.Background(), "devarch-shop")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"devarch-shop_cache", "devarch-shop_db-data"}; !reflect.DeepEqual(got, want) {
		t.Errorf("volumes = %q, want %q", got, want)
	}
	want := []string{"volume", "ls", "-q", "--filter", "label=com.docker.compose.project=devarch-shop"}
	if c := f.only(); !reflect.DeepEqual(c.Args, want) {
		t.Errorf("args = %q, want %q", c.Args, want)
	}
}

// StackVolumes lists the volumes devarch labeled as the stack's and named
// devarch-{stack}_NAME, which per-service mode's instance projects create;
// one of stack devarch-shop-x is not devarch-shop's.
func TestStackVolumes(t *testing.T) {
	f := newFake(t, "docker")
	f.reply("docker-volume", "devarch-shop_db-data\ndevarch-shop-x_data\ndevarch-shop_cache\n", "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	got, err := e.StackVolumes(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"devarch-shop_cache", "devarch-shop_db-data"}; !reflect.DeepEqual(got, want) {
		t.Errorf("volumes = %q, want %q", got, want)
	}
	want := []string{"volume", "ls", "-q", "--filter", "label=devarch.managed=true", "--filter", "label=devarch.stack=shop"}
	if c := f.only(); !reflect.DeepEqual(c.Args, want) {
		t.Errorf("args = %q, want %q", c.Args, want)
	}
}

func TestRemoveVolumes(t *testing.T) {
	f := newFake(t, "docker")
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	if err := e.RemoveVolumes(context.Background(), nil); err != nil || len(f.calls()) != 0 {
		t.Fatalf("no volumes: err %v, %d calls; want none", err, len(f.calls()))
	}
	if err := e.RemoveVolumes(context.Background(), []string{"devarch-shop_a", "devarch-shop_b"}); err != nil {
		t.Fatal(err)
	}
	if c, want := f.only(), []string{"volume", "rm", "devarch-shop_a", "devarch-shop_b"}; !reflect.DeepEqual(c.Args, want) {
		t.Errorf("args = %q, want %q", c.Args, want)
	}
	f.reply("docker-volume", "", "Error response from daemon: remove devarch-shop_a: volume is in use - [abc]\n", 1)
	err := e.RemoveVolumes(context.Background(), []string{"devarch-shop_a"})
	if err == nil || !strings.Contains(err.Error(), "devarch-shop_a") || !strings.Contains(err.Error(), "volume is in use") {
		t.Errorf("error = %v; want the volume and the engine's reason", err)
	}
}

func TestComposeConfig(t *testing.T) {
	f := newFake(t, "docker")
	f.reply("docker-compose-config", "name: devarch-shop\nservices: {}\n", "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	out, err := e.ComposeConfig(context.Background(), []byte(sampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "name: devarch-shop\nservices: {}\n" {
		t.Errorf("output = %q", out)
	}
	c := f.only()
	if c.Args[0] != "compose" || c.Args[1] != "-f" || c.Args[2] != "-" || c.Args[len(c.Args)-1] != "config" {
		t.Errorf("args = %q, want compose -f - ... config", c.Args)
	}
	if c.Stdin != sampleYAML {
		t.Errorf("stdin = %q", c.Stdin)
	}

	f.reply("docker-compose-config", "", "validating -: services.x Additional property bogus is not allowed\n", 15)
	_, err = e.ComposeConfig(context.Background(), []byte(sampleYAML))
	var ce *ComposeError
	if !errors.As(err, &ce) || ce.Op != "config" || ce.Reason != "validating -: services.x Additional property bogus is not allowed" {
		t.Errorf("error = %#v, want a config ComposeError with compose's message", err)
	}
}

func TestContainers(t *testing.T) {
	f := newFake(t, "docker")
	inspect, err := os.ReadFile("testdata/inspect/docker.json")
	if err != nil {
		t.Fatal(err)
	}
	f.reply("docker-ps", "abc123\n", "", 0)
	f.reply("docker-inspect", string(inspect), "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	cs, err := e.Containers(context.Background(), "samp")
	if err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if len(calls) != 2 {
		t.Fatalf("want ps + inspect, got %d calls", len(calls))
	}
	wantPs := []string{"ps", "-a", "-q", "--no-trunc", "--filter", "label=devarch.managed=true", "--filter", "label=devarch.stack=samp"}
	if !reflect.DeepEqual(calls[0].Args, wantPs) {
		t.Errorf("ps args = %q, want %q", calls[0].Args, wantPs)
	}
	if want := []string{"inspect", "--type", "container", "abc123"}; !reflect.DeepEqual(calls[1].Args, want) {
		t.Errorf("inspect args = %q, want %q", calls[1].Args, want)
	}
	if len(cs) != 1 {
		t.Fatalf("got %d containers, want 1", len(cs))
	}
	c := cs[0]
	if c.Name != "devarch-samp-api" || c.State != "running" || c.Health != "healthy" || c.Instance() != "api" || !c.Managed() {
		t.Errorf("container = %+v", c)
	}
	if c.Ports != "0.0.0.0:18080->8080/tcp" {
		t.Errorf("ports = %q", c.Ports)
	}
}

func TestContainersNoneSkipsInspect(t *testing.T) {
	f := newFake(t, "docker")
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	cs, err := e.Containers(context.Background(), "empty")
	if err != nil || len(cs) != 0 {
		t.Fatalf("Containers = %v, %v; want none", cs, err)
	}
	if c := f.only(); c.Args[0] != "ps" {
		t.Errorf("call = %q, want ps only", c.Args)
	}
}

func TestContainersNamed(t *testing.T) {
	f := newFake(t, "docker")
	inspect, _ := os.ReadFile("testdata/inspect/docker.json")
	f.reply("docker-ps", "abc123 devarch-samp-api\nfff999 unrelated\n", "", 0)
	f.reply("docker-inspect", string(inspect), "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	cs, err := e.ContainersNamed(context.Background(), []string{"devarch-samp-api", "devarch-samp-db"})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if want := []string{"inspect", "--type", "container", "abc123"}; len(calls) != 2 || !reflect.DeepEqual(calls[1].Args, want) {
		t.Fatalf("calls = %+v, want ps then inspect of abc123 only", calls)
	}
	if len(cs) != 1 || cs[0].Name != "devarch-samp-api" {
		t.Errorf("containers = %+v", cs)
	}
}

func TestParseInspect(t *testing.T) {
	tests := []struct {
		file                             string
		name, image, state, health, port string
	}{
		{"docker.json", "devarch-samp-api", "devarch-testprog:e2e", "running", "healthy", "0.0.0.0:18080->8080/tcp"},
		{"podman.json", "devarch-samp-api", "localhost/devarch-testprog:e2e", "created", "", "0.0.0.0:18080->8080/tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/inspect/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := parseInspect(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 {
				t.Fatalf("got %d containers", len(cs))
			}
			c := cs[0]
			got := []string{c.Name, c.Image, c.State, c.Health, c.Ports, c.Instance()}
			want := []string{tt.name, tt.image, tt.state, tt.health, tt.port, "api"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestLogs(t *testing.T) {
	f := newFake(t, "docker")
	f.reply("docker-logs", "line one\nline two\n", "", 0)
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	got := map[string][]string{}
	err := e.Logs(context.Background(), "devarch-shop", []string{"devarch-shop-api", "devarch-shop-db"}, LogsOptions{Follow: true, Tail: 5, Since: "10m", Timestamps: true}, func(inst, line string) {
		got[inst] = append(got[inst], line)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"api": {"line one", "line two"}, "db": {"line one", "line two"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %v, want %v", got, want)
	}
	for _, c := range f.calls() {
		if !reflect.DeepEqual(c.Args[:7], []string{"logs", "--follow", "--tail", "5", "--since", "10m", "--timestamps"}) {
			t.Errorf("args = %q", c.Args)
		}
	}
}

func TestPodmanViaDockerCompose(t *testing.T) {
	f := newFake(t, "podman", "docker")
	f.reply("podman-version", "4.3.1\n", "", 0)
	e := mustEngine(t, Spec{Kind: "podman", Binary: f.path("podman"),
		Env: map[string]string{"CONTAINER_HOST": "unix:///tmp/test-podman.sock", "DOCKER_CONTEXT": "other"}})
	if got, want := e.Name(), "podman 4.3 via docker compose (unix:///tmp/test-podman.sock)"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if e.Kind() != "podman" {
		t.Errorf("Kind = %q", e.Kind())
	}
	if err := e.Up(context.Background(), "devarch-shop", []byte(sampleYAML), "", nil); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	up := calls[len(calls)-1]
	if up.Args[0] != "compose" || up.Stdin != sampleYAML {
		t.Fatalf("up call = %+v, want docker compose with the yaml on stdin", up)
	}
	if up.Env["DOCKER_HOST"] != "unix:///tmp/test-podman.sock" {
		t.Errorf("DOCKER_HOST = %q, want the podman socket", up.Env["DOCKER_HOST"])
	}
	if v, ok := up.Env["DOCKER_CONTEXT"]; ok {
		t.Errorf("DOCKER_CONTEXT = %q passed to compose against podman; want it unset", v)
	}
}

func TestPodmanCompose(t *testing.T) {
	f := newFake(t, "podman", "podman-compose")
	e := mustEngine(t, Spec{Kind: "podman", Binary: f.path("podman")})
	wd := t.TempDir()
	if err := e.Up(context.Background(), "devarch-shop", []byte(sampleYAML), wd, nil); err != nil {
		t.Fatal(err)
	}
	c := f.only()
	if len(c.Args) != 7 || c.Args[0] != "-p" || c.Args[2] != "-f" || c.Args[3] == "-" ||
		!reflect.DeepEqual(c.Args[4:], []string{"up", "-d", "--remove-orphans"}) {
		t.Fatalf("args = %q, want -p devarch-shop -f FILE up -d --remove-orphans", c.Args)
	}
	if c.File != sampleYAML || c.FileMode != "600" {
		t.Errorf("compose file = %q mode %s, want the yaml with mode 600", c.File, c.FileMode)
	}
	if entries, _ := os.ReadDir(wd); len(entries) != 0 {
		t.Errorf("compose file left behind in %s", wd)
	}
	if !strings.Contains(e.Name(), "podman-compose") {
		t.Errorf("Name = %q, want it to say podman-compose", e.Name())
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		progs   []string
		fail    []string // programs whose info fails
		env     map[string]string
		want    string
		wantErr []string
	}{
		{"docker answers", []string{"docker", "podman"}, nil, nil, "docker", nil},
		{"docker down, podman answers", []string{"docker", "podman"}, []string{"docker"}, nil, "podman", nil},
		{"only podman installed", []string{"podman"}, nil, nil, "podman", nil},
		{"nothing answers", []string{"docker", "podman"}, []string{"docker", "podman"}, nil, "",
			[]string{"no container engine answered", "docker info", "podman info", "Cannot connect"}},
		{"nothing installed", nil, nil, nil, "", []string{"docker: not found on PATH", "podman: not found on PATH"}},
		{"DOCKER_HOST answers", []string{"docker", "podman"}, nil, map[string]string{"DOCKER_HOST": "unix:///x.sock"}, "docker", nil},
		{"DOCKER_HOST down: no other engine", []string{"docker", "podman"}, []string{"docker"}, map[string]string{"DOCKER_HOST": "unix:///x.sock"}, "",
			[]string{"DOCKER_HOST=unix:///x.sock", "does not answer", "docker info", "Cannot connect", "unset DOCKER_HOST"}},
		{"DOCKER_CONTEXT down: no other engine", []string{"docker", "podman"}, []string{"docker"}, map[string]string{"DOCKER_CONTEXT": "remote"}, "",
			[]string{"DOCKER_CONTEXT=remote", "does not answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.progs...)
			for _, p := range tt.fail {
				f.reply(p+"-info", "", "Cannot connect to the engine\n", 1)
			}
			env := map[string]string{"DOCKER_CONFIG": "/cfg"}
			for k, v := range tt.env {
				env[k] = v
			}
			spec, err := Detect(env)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Detect = %+v, want an error", spec)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if spec.Kind != tt.want || spec.Env["DOCKER_CONFIG"] != "/cfg" {
				t.Errorf("Detect = %+v, want kind %s keeping the env", spec, tt.want)
			}
		})
	}
}

func TestUpCancelled(t *testing.T) {
	f := newFake(t, "docker")
	e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.Up(ctx, "devarch-shop", []byte(sampleYAML), "", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Up on a cancelled context = %v, want context.Canceled", err)
	}
}

// TestDockerName names the docker context from the CLI's config.json
// without running the CLI, and asks `docker context show` when the file
// cannot be decoded.
func TestDockerName(t *testing.T) {
	for _, tt := range []struct {
		name, config string // config "": no config.json
		env          map[string]string
		want         string
		asks         bool
	}{
		{"no config file", "", nil, "docker compose v2 (context default)", false},
		{"no current context", `{"auths": {}}`, nil, "docker compose v2 (context default)", false},
		{"current context", `{"currentContext": "colima"}`, nil, "docker compose v2 (context colima)", false},
		{"DOCKER_CONTEXT wins", `{"currentContext": "colima"}`, map[string]string{"DOCKER_CONTEXT": "ci"}, "docker compose v2 (context ci)", false},
		{"DOCKER_HOST wins", `{"currentContext": "colima"}`, map[string]string{"DOCKER_HOST": "unix:///x.sock"}, "docker compose v2 (host unix:///x.sock)", false},
		{"undecodable: asks the CLI", `{not json`, nil, "docker compose v2 (context shown)", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "docker")
			f.reply("docker-context", "shown\n", "", 0)
			cfg := t.TempDir()
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("DOCKER_HOST", "")
			t.Setenv("DOCKER_CONTEXT", "")
			env := map[string]string{"DOCKER_CONFIG": cfg}
			for k, v := range tt.env {
				env[k] = v
			}
			e := mustEngine(t, Spec{Kind: "docker", Binary: f.path("docker"), Env: env})
			if got := e.Name(); got != tt.want {
				t.Errorf("Name = %q, want %q", got, tt.want)
			}
			if asked := len(f.calls()) > 0; asked != tt.asks {
				t.Errorf("ran the CLI: %v, want %v (%v)", asked, tt.asks, f.calls())
			}
		})
	}
}

// A stopped container's last health status says nothing now: it is not
// reported (as a container listing does not report it either).
func TestParseInspectStoppedHasNoHealth(t *testing.T) {
	for _, state := range []string{"exited", "created", "paused"} {
		t.Run(state, func(t *testing.T) {
			data := `[{"Id":"a","Name":"/x","State":{"Status":"` + state + `","Health":{"Status":"unhealthy"}},"Config":{"Image":"i"}}]`
			cs, err := parseInspect([]byte(data))
			if err != nil || len(cs) != 1 {
				t.Fatalf("parseInspect = %+v, %v", cs, err)
			}
			if cs[0].State != state || cs[0].Health != "" {
				t.Errorf("container = %+v, want state %s without health", cs[0], state)
			}
		})
	}
	cs, err := parseInspect([]byte(`[{"Id":"a","Name":"/x","State":{"Status":"running","Health":{"Status":"unhealthy"}}}]`))
	if err != nil || len(cs) != 1 || cs[0].Health != "unhealthy" {
		t.Errorf("running: %+v, %v; want unhealthy", cs, err)
	}
}
