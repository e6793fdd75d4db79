package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	cliflags "github.com/docker/cli/cli/flags"
	"github.com/spf13/pflag"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// captureStdout runs fn with os.Stdout going to a pipe and returns what
// it wrote: docker/cli's plugin package writes the metadata there.
func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	func() {
		defer func() { os.Stdout = saved }()
		fn()
	}()
	w.Close()
	return string(<-done)
}

func TestMetadata(t *testing.T) {
	var out, errOut bytes.Buffer
	code := 0
	printed := captureStdout(t, func() {
		code = run(context.Background(), []string{"/usr/libexec/docker/cli-plugins/docker-devarch", "docker-cli-plugin-metadata"},
			strings.NewReader(""), &out, &errOut, envOf(nil))
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(printed), &meta); err != nil {
		t.Fatalf("metadata is not JSON: %v\n%s", err, printed)
	}
	want := map[string]any{
		"SchemaVersion": "0.1.0", "Vendor": "devarch", "Version": api.Version,
		"ShortDescription": "Compose local development stacks from templates",
	}
	if !reflect.DeepEqual(meta, want) {
		t.Errorf("metadata = %v; want %v", meta, want)
	}
}

func TestRunByDocker(t *testing.T) {
	byDocker := map[string]string{"DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "/usr/bin/docker"}
	cases := []struct {
		name string
		argv []string
		env  map[string]string
		want bool
	}{
		{"standalone", []string{"/usr/local/bin/devarch", "stack", "ls"}, nil, false},
		{"devarch keeps standalone under docker's environment", []string{"devarch", "stack", "ls"}, byDocker, false},
		{"plugin run by docker", []string{"/p/docker-devarch", "devarch", "stack", "ls"}, byDocker, true},
		{"plugin with docker global options", []string{"/p/docker-devarch", "--context", "remote", "devarch", "ps"}, byDocker, true},
		{"metadata handshake", []string{"/p/docker-devarch", "docker-cli-plugin-metadata"}, nil, true},
		{"docker-devarch run by hand", []string{"/p/docker-devarch", "stack", "ls"}, nil, false},
		{"docker-devarch run by hand with docker's arguments", []string{"/p/docker-devarch", "devarch", "stack", "ls"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := runByDocker(tc.argv, envOf(tc.env)); got != tc.want {
				t.Errorf("runByDocker(%q) = %v; want %v", tc.argv, got, tc.want)
			}
		})
	}
}

// dockerFlags parses args as the docker CLI's global options, as the plugin
// package does.
func dockerFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("docker", pflag.ContinueOnError)
	opts := cliflags.NewClientOptions()
	opts.InstallFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	opts.SetDefaultOptions(fs)
	return fs
}

// noDockerEnv is the runtime environment of a plugin run with no docker
// settings at all: every key present and empty.
func noDockerEnv(set map[string]string) map[string]string {
	env := map[string]string{}
	for _, k := range dockerEnvKeys {
		env[k] = ""
	}
	for k, v := range set {
		env[k] = v
	}
	return env
}

func TestPluginDockerEnv(t *testing.T) {
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_TLS", "")
	t.Setenv("DOCKER_CONFIG", "/cfg")
	certs := t.TempDir()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string
	}{
		{"nothing", nil, nil, noDockerEnv(nil)},
		{"environment passes", nil, map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CONTEXT": "c"},
			noDockerEnv(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CONTEXT": "c"})},
		{"--context beats DOCKER_HOST", []string{"--context", "remote"}, map[string]string{"DOCKER_HOST": "unix:///env.sock"},
			noDockerEnv(map[string]string{"DOCKER_CONTEXT": "remote"})},
		{"-H beats DOCKER_CONTEXT", []string{"-H", "unix:///flag.sock"}, map[string]string{"DOCKER_CONTEXT": "ctx", "DOCKER_CONFIG": "/cfg"},
			noDockerEnv(map[string]string{"DOCKER_HOST": "unix:///flag.sock", "DOCKER_CONFIG": "/cfg"})},
		{"--config", []string{"--config", "/other", "-D", "-l", "debug"}, nil, noDockerEnv(map[string]string{"DOCKER_CONFIG": "/other"})},
		{"--tlsverify with files in one directory", []string{"-H", "tcp://h:2376", "--tlsverify",
			"--tlscacert", certs + "/ca.pem", "--tlscert", certs + "/cert.pem", "--tlskey", certs + "/key.pem"}, nil,
			noDockerEnv(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS": "1", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs})},
		{"--tls without verification", []string{"-H", "tcp://h:2376", "--tls", "--tlscacert", certs + "/ca.pem"},
			map[string]string{"DOCKER_TLS_VERIFY": "1"},
			noDockerEnv(map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": certs})},
		{"--tlsverify=false still uses TLS", []string{"--tlsverify=false", "--tlscacert", certs + "/ca.pem"}, nil,
			noDockerEnv(map[string]string{"DOCKER_TLS": "1", "DOCKER_CERT_PATH": certs})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pluginDockerEnv(dockerFlags(t, tc.args...), envOf(tc.env), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("env = %v\nwant  %v", got, tc.want)
			}
		})
	}
}

func TestPluginDockerEnvLinksScatteredTLSFiles(t *testing.T) {
	t.Setenv("DOCKER_CERT_PATH", "")
	a, b, home := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]string{"ca.pem": a + "/my-ca.crt", "cert.pem": b + "/client.crt", "key.pem": b + "/client.key"}
	for name, f := range files {
		if err := os.WriteFile(f, []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flags := dockerFlags(t, "-H", "tcp://h:2376", "--tlsverify",
		"--tlscacert", files["ca.pem"], "--tlscert", files["cert.pem"], "--tlskey", files["key.pem"])
	for range 2 { // a second run reuses the links
		env, err := pluginDockerEnv(flags, envOf(nil), home)
		if err != nil {
			t.Fatal(err)
		}
		dir := env["DOCKER_CERT_PATH"]
		if filepath.Dir(filepath.Dir(dir)) != home {
			t.Fatalf("DOCKER_CERT_PATH = %q; want a directory of home %s", dir, home)
		}
		for name, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || string(b) != name {
				t.Errorf("%s in %s = %q, %v; want the content of %s", name, dir, b, err, f)
			}
		}
	}
}

func TestRuntimeSpec(t *testing.T) {
	pluginInv := invocation{plugin: true, dockerBinary: "/usr/bin/docker"}
	cases := []struct {
		name    string
		flag    string
		env     map[string]string
		inv     invocation
		want    api.RuntimeSpec
		wantErr string
	}{
		{"nothing: the daemon detects", "", nil, invocation{}, api.RuntimeSpec{}, ""},
		{"standalone passes DOCKER_HOST", "", map[string]string{"DOCKER_HOST": "unix:///d.sock"}, invocation{},
			api.RuntimeSpec{Env: map[string]string{"DOCKER_HOST": "unix:///d.sock"}}, ""},
		{"plugin invocation is docker", "", nil, pluginInv, api.RuntimeSpec{Kind: "docker", Binary: "/usr/bin/docker"}, ""},
		{"env beats plugin", "", map[string]string{"DEVARCH_RUNTIME": "podman"}, pluginInv, api.RuntimeSpec{Kind: "podman"}, ""},
		{"flag beats env", "docker", map[string]string{"DEVARCH_RUNTIME": "podman"}, invocation{}, api.RuntimeSpec{Kind: "docker"}, ""},
		{"flag podman in plugin", "podman", nil, pluginInv, api.RuntimeSpec{Kind: "podman"}, ""},
		{"bad flag", "containerd", nil, invocation{}, api.RuntimeSpec{}, `--runtime "containerd": must be docker, podman or swarm`},
		{"swarm is named, with the docker env", "swarm", map[string]string{"DOCKER_CONTEXT": "prod"}, invocation{},
			api.RuntimeSpec{Kind: "swarm", Env: map[string]string{"DOCKER_CONTEXT": "prod"}}, ""},
		{"swarm in plugin drives the invoking docker", "swarm", nil, pluginInv, api.RuntimeSpec{Kind: "swarm", Binary: "/usr/bin/docker"}, ""},
		{"bad env", "", map[string]string{"DEVARCH_RUNTIME": "lxc"}, invocation{}, api.RuntimeSpec{}, `DEVARCH_RUNTIME "lxc"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(nil, nil, nil, envOf(tc.env))
			c.inv = tc.inv
			c.runtime = tc.flag
			got, err := c.RuntimeSpec()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("spec = %+v; want %+v", got, tc.want)
			}
		})
	}
}

// fakeDaemon serves h on a Unix socket and returns a CLI wired to it.
func fakeDaemon(t *testing.T, h http.Handler, stdin string) (*cli, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir, err := os.MkdirTemp("", "dvm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.Listen("unix", client.SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(withNoFileSources(h))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	c := newCLI(strings.NewReader(stdin), &out, &errOut, envOf(map[string]string{"DEVARCH_HOME": dir}))
	c.ensureDaemon = func(context.Context, string) error { return nil }
	wd := t.TempDir() // no devarch.yml names a default stack
	c.getwd = func() (string, error) { return wd, nil }
	return c, &out, &errOut
}

// withNoFileSources answers the file-sources route (read before every plan
// and apply) with none, the answer for a stack whose config files follow
// no local file, and passes every other request to h.
func withNoFileSources(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/file-sources") {
			w.Write([]byte("[]"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func apiError(w http.ResponseWriter, status int, e api.Error) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(api.ErrorBody{Error: &e})
}

func TestErrorRenderingAndExitCodes(t *testing.T) {
	changes := plan.View{ID: "p1", Stack: "shop", Changes: []plan.ResourceChange{
		{Instance: "db", Container: "devarch-shop-db", Action: plan.Create},
	}, Summary: plan.Summary{Create: 1}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/stacks/shop/plan":
			json.NewEncoder(w).Encode(changes)
		case r.URL.Path == "/v1/stacks/same/plan":
			json.NewEncoder(w).Encode(plan.View{Stack: "same"})
		case r.URL.Path == "/v1/stacks/ghost":
			apiError(w, 404, api.Error{Code: api.CodeNotFound, Message: `stack "ghost" not found`, Hint: "list stacks with `stack ls`"})
		case r.URL.Path == "/v1/stacks/locked/apply":
			apiError(w, 423, api.Error{Code: api.CodeLocked, Message: `stack "locked" is locked: apply (job j9) by me@box, pid 1`,
				Lock: &api.LockInfo{Stack: "locked", JobID: "j9"},
				Hint: "wait for the running apply (job j9, `devarch jobs attach j9`) to finish, then retry"})
		case r.URL.Path == "/v1/stacks/bad/wires":
			apiError(w, 400, api.Error{Code: api.CodeInvalid, Message: "wiring has errors", Diagnostics: []core.Diagnostic{
				{Severity: core.SeverityError, Instance: "api", Message: "2 providers of postgres", Hint: "devarch wire bad api.db db1"},
			}})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
	cases := []struct {
		name       string
		args       []string
		code       int
		wantOut    string
		wantStderr []string
	}{
		{"detailed exitcode with changes", []string{"plan", "shop", "--detailed-exitcode"}, 2, "1 to create", nil},
		{"detailed exitcode without changes", []string{"plan", "same", "--detailed-exitcode"}, 0, "No changes", nil},
		{"plan without the flag", []string{"plan", "shop"}, 0, "1 to create", nil},
		{"not found with hint", []string{"stack", "show", "ghost"}, 1, "",
			[]string{"devarch: error: stack \"ghost\" not found\n", "devarch: hint: list stacks with `stack ls`\n"}},
		{"locked names the holder", []string{"apply", "locked", "--plan", "p1"}, 1, "",
			[]string{"devarch: error: stack \"locked\" is locked", "devarch: hint: wait for the running apply (job j9"}},
		{"diagnostics one per line", []string{"wires", "bad"}, 1, "",
			[]string{"devarch: error: instance api: 2 providers of postgres", "devarch: hint: devarch wire bad api.db db1"}},
		{"flag error before any call", []string{"instance", "set", "v", "cache", "--port", "abc"}, 1, "",
			[]string{"devarch: error: --port: \"abc\""}},
		{"bad runtime", []string{"--runtime", "lxc", "ps", "shop"}, 1, "", []string{`devarch: error: --runtime "lxc"`}},
		{"apply refuses to ask without a terminal", []string{"apply", "shop"}, 1, "",
			[]string{"devarch: error: apply needs confirmation", "--auto-approve"}},
		{"wrong argument count", []string{"stack", "show"}, 1, "", []string{"devarch: error: ", "NAME"}},
		{"dash-led name", []string{"instance", "add", "v", "-db", "--template", "redis"}, 1, "", []string{`"-db" is not a flag`, "name must be a DNS label"}},
		{"unknown flag has a hint", []string{"stack", "ls", "--colour"}, 1, "", []string{"unknown flag: --colour", "devarch: hint: see `devarch stack ls --help`"}},
		{"unlock needs force", []string{"unlock", "shop"}, 1, "", []string{"--force"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, h, "")
			code := c.execute(context.Background(), tc.args)
			if code != tc.code {
				t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, out)
			}
			if tc.code != 1 && errOut.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", errOut)
			}
			if tc.code == 1 && !strings.HasPrefix(errOut.String(), "devarch: error: ") {
				t.Errorf("stderr should start with `devarch: error: `:\n%s", errOut)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestApplyFollowsJob(t *testing.T) {
	var applied api.ApplyRequest
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/stacks/shop/apply":
			json.NewDecoder(r.Body).Decode(&applied)
			json.NewEncoder(w).Encode(api.Job{ID: "j1", Stack: "shop", Operation: "apply", State: api.JobRunning})
		case "/v1/jobs/j1/events":
			enc := json.NewEncoder(w)
			enc.Encode(api.Event{JobID: "j1", Instance: "db", Message: "started"})
			enc.Encode(api.Event{JobID: "j1", Instance: "api", Message: "port 8080 already allocated"})
			enc.Encode(api.Event{JobID: "j1", Message: "rolled back", State: api.JobRolledBack})
		case "/v1/jobs/j1":
			json.NewEncoder(w).Encode(api.Job{ID: "j1", Stack: "shop", Operation: "apply", State: api.JobRolledBack,
				Instance: "api", Error: "port 8080 already allocated"})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
	c, out, errOut := fakeDaemon(t, h, "")
	code := c.execute(context.Background(), []string{"apply", "shop", "--plan", "p7"})
	if code != 1 {
		t.Fatalf("exit %d; want 1 for a rolled-back job\n%s%s", code, out, errOut)
	}
	if applied.PlanID != "p7" {
		t.Errorf("apply request = %+v; want plan p7", applied)
	}
	for _, w := range []string{"db: started\n", "api: port 8080 already allocated\n", "rolled back\n"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut.String(), "instance api: port 8080 already allocated") || !strings.Contains(errOut.String(), "rolled back") {
		t.Errorf("stderr should name the instance and the reason:\n%s", errOut)
	}
}

func TestApplyAsksAndStopsOnNo(t *testing.T) {
	// A pipe is not a terminal, so asking needs a *os.File terminal; here
	// --auto-approve skips the question and an empty plan stops before apply.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/stacks/same/plan" {
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
			return
		}
		var req api.PlanRequest
		json.NewDecoder(r.Body).Decode(&req)
		if !req.Save {
			apiError(w, 400, api.Error{Code: api.CodeInvalid, Message: "apply should save the plan it shows"})
			return
		}
		json.NewEncoder(w).Encode(plan.View{ID: "p0", Stack: "same"})
	})
	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"apply", "same", "--auto-approve"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "No changes.") {
		t.Errorf("empty plan should say so:\n%s", out)
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"yes\n": true, "y\n": false, "YES\n": false, "": false, "  yes  \n": true} {
		var out bytes.Buffer
		c := newCLI(strings.NewReader(in), &out, &out, envOf(nil))
		got, err := confirm(c)
		if err != nil || got != want {
			t.Errorf("confirm(%q) = %v, %v; want %v", in, got, err, want)
		}
		if !strings.Contains(out.String(), approvePrompt) {
			t.Errorf("prompt not printed: %q", out.String())
		}
	}
}

func TestDefaultHome(t *testing.T) {
	if got := defaultHome(envOf(map[string]string{"DEVARCH_HOME": "/tmp/dh"})); got != "/tmp/dh" {
		t.Errorf("defaultHome = %q", got)
	}
	if got := defaultHome(envOf(nil)); filepath.Base(got) != ".devarch" {
		t.Errorf("defaultHome without DEVARCH_HOME = %q", got)
	}
}

func TestIsZombie(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for !isZombie(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !isZombie(pid) {
		t.Fatalf("an exited, unreaped child is not seen as a zombie")
	}
	cmd.Wait()
	if isZombie(os.Getpid()) {
		t.Fatalf("the running test process is seen as a zombie")
	}
}

func TestPluginModeNamesDockerDevarch(t *testing.T) {
	var out, errOut bytes.Buffer
	env := map[string]string{"DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "docker", "DEVARCH_HOME": t.TempDir()}
	code := run(context.Background(), []string{"/p/docker-devarch", "devarch", "stack", "show"}, strings.NewReader(""), &out, &errOut, envOf(env))
	if code != 1 || !strings.Contains(errOut.String(), `"docker devarch stack show" takes 1 argument (NAME)`) {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"/p/docker-devarch", "devarch", "--help"}, strings.NewReader(""), &out, &errOut, envOf(env)); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	if !strings.Contains(out.String(), "docker devarch [command]") {
		t.Errorf("help should show the docker plugin usage:\n%s", out.String())
	}
}

func TestJobSuccessPrintedOnce(t *testing.T) {
	const summary = "Apply complete: 1 created, 0 updated, 0 replaced, 0 deleted."
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/jobs/j2/events":
			json.NewEncoder(w).Encode(api.Event{JobID: "j2", Message: summary, State: api.JobSucceeded})
		case "/v1/jobs/j2":
			json.NewEncoder(w).Encode(api.Job{ID: "j2", Stack: "shop", Operation: "apply", State: api.JobSucceeded, Summary: summary})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"jobs", "attach", "j2"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out.String(), summary); n != 1 {
		t.Errorf("summary printed %d times:\n%s", n, out)
	}
}
