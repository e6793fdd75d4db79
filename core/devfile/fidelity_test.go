package devfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/compose"
)

// TestComposeFidelity imports each project of testdata/fidelity, generates
// devarch's compose project for it, and checks with `docker compose config`
// that both run the same thing: per service the image or build, command,
// entrypoint, environment, ports, volumes and mounts (secrets and configs
// included), expose, healthcheck and depends_on agree. devarch's own names,
// labels and networks are left out, and so is one documented policy: a
// port published without a host IP is published on 127.0.0.1 (README.md).
// It needs the docker compose CLI; without it the test is skipped, and
// fails under CI=true.
func TestComposeFidelity(t *testing.T) {
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker compose is required under CI: %v", err)
		}
		t.Skipf("docker compose is not available: %v", err)
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "fidelity", "*", "compose.yaml"))
	if err != nil || len(dirs) < 15 {
		t.Fatalf("want at least 15 fidelity fixtures, found %d (%v)", len(dirs), err)
	}
	for _, file := range dirs {
		dir, err := filepath.Abs(filepath.Dir(file))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := composeConfig(t, dir, "compose.yaml", nil)
			filesDir := t.TempDir()
			got := composeConfig(t, t.TempDir(), "compose.yaml", devarchProject(t, dir, filesDir))
			if len(got) != len(want) {
				t.Fatalf("services = %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
			for name, w := range want {
				g, ok := got[name]
				if !ok {
					t.Errorf("service %s is missing", name)
					continue
				}
				for _, d := range compareServices(normalize(w, ""), normalize(g, filesDir)) {
					t.Errorf("service %s: %s", name, d)
				}
			}
		})
	}
}

// devarchProject imports dir/compose.yaml as the CLI would (the .env next
// to it, the files its secrets and configs name, the files it includes,
// extends and reads env from) and renders the stack,
// every instance enabled (compose is run with every profile active).
func devarchProject(t *testing.T, dir, filesDir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	if _, err := os.Stat(filepath.Join(dir, ".env")); err == nil {
		env, err = dotenv.GetEnvFromFile(map[string]string{}, []string{filepath.Join(dir, ".env")})
		if err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{}
	for _, p := range ObjectFiles(data, env) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Clean(p)] = string(b)
	}
	// the files include, extends and env_file name, collected as the CLI
	// collects them: the import reads nothing else
	sources, err := ComposeSources(data, dir, env, os.ReadFile)
	if err != nil {
		t.Fatalf("collect the files the compose file names: %v", err)
	}
	ci, err := FromCompose(data, ComposeOptions{
		Filename: "compose.yaml", Stack: "fid", WorkDir: dir, Environment: env, Files: files, Sources: sources,
		Profiles: []string{"*"}, Builtins: slices.Collect(maps.Values(catalog.Builtin())),
	})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	tpls := catalog.Builtin()
	for _, tp := range ci.Templates {
		tpls[tp.Name] = tp
	}
	if err := core.ValidateStack(ci.Stack, tpls); err != nil {
		t.Fatalf("the imported stack does not validate: %v", err)
	}
	d, err := core.Build(ci.Stack, tpls)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	out, err := compose.Generate(d, compose.Options{ShowSecrets: true, FilesDir: filesDir})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return out
}

// cfgService is what the comparison reads of a service in the output of
// `docker compose config --format json`.
type cfgService struct {
	Image string `json:"image"`
	Build *struct {
		Context    string             `json:"context"`
		Dockerfile string             `json:"dockerfile"`
		Target     string             `json:"target"`
		Args       map[string]*string `json:"args"`
	} `json:"build"`
	Command     []string           `json:"command"`
	Entrypoint  []string           `json:"entrypoint"`
	Environment map[string]*string `json:"environment"`
	Ports       []struct {
		HostIP    string `json:"host_ip"`
		Target    int    `json:"target"`
		Published string `json:"published"`
		Protocol  string `json:"protocol"`
	} `json:"ports"`
	Volumes []struct {
		Type     string `json:"type"`
		Source   string `json:"source"`
		Target   string `json:"target"`
		ReadOnly bool   `json:"read_only"`
	} `json:"volumes"`
	Secrets []struct {
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"secrets"`
	Configs []struct {
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"configs"`
	Tmpfs       []string        `json:"tmpfs"`
	Expose      []string        `json:"expose"`
	Healthcheck json.RawMessage `json:"healthcheck"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
		Required  bool   `json:"required"`
		Restart   bool   `json:"restart"`
	} `json:"depends_on"`
}

// composeConfig runs `docker compose config --format json` on dir/file
// (written first when content is given) with every profile active and an
// environment holding nothing but what docker needs.
func composeConfig(t *testing.T, dir, file string, content []byte) map[string]cfgService {
	t.Helper()
	if content != nil {
		if err := os.WriteFile(filepath.Join(dir, file), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "compose", "-f", file, "--project-directory", dir, "--profile", "*", "config", "--format", "json")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker compose config in %s: %v\n%s\n%s", dir, err, stderr.String(), content)
	}
	var p struct {
		Services map[string]cfgService `json:"services"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p.Services
}

// normalized is a service reduced to what must agree, in comparable form.
type normalized struct {
	Image, Build, Command, Entrypoint string
	Environment                       map[string]string
	Ports, Mounts, Expose, Tmpfs      []string
	Healthcheck                       string
	DependsOn                         map[string]string
}

// normalize reduces s; filesDir is where devarch's config files are
// mounted from ("" for the original project, whose secrets and configs
// are mounted by compose).
func normalize(s cfgService, filesDir string) normalized {
	n := normalized{Environment: map[string]string{}, DependsOn: map[string]string{}, Healthcheck: string(s.Healthcheck)}
	// test ["NONE"] is how the engine spells compose's disable: true
	var hc struct {
		Test    []string `json:"test"`
		Disable bool     `json:"disable"`
	}
	if json.Unmarshal(s.Healthcheck, &hc) == nil && (hc.Disable || slices.Equal(hc.Test, []string{"NONE"})) {
		n.Healthcheck = "disabled"
	}
	if s.Build == nil {
		n.Image = normalizeImage(s.Image)
	} else {
		b := s.Build
		n.Build = fmt.Sprintf("context=%s dockerfile=%s target=%s args=%v", b.Context, b.Dockerfile, b.Target, derefAll(b.Args))
		if !strings.HasPrefix(s.Image, "devarch-") && s.Image != "" {
			n.Image = s.Image // a named build keeps its name; an unnamed one gets devarch's
		}
	}
	n.Command, n.Entrypoint = fmt.Sprintf("%q", s.Command), fmt.Sprintf("%q", s.Entrypoint)
	for k, v := range s.Environment {
		n.Environment[k] = deref(v)
	}
	for _, p := range s.Ports {
		ip := p.HostIP
		if ip == "" {
			ip = compose.DefaultHostIP
		}
		n.Ports = append(n.Ports, fmt.Sprintf("%s:%s:%d/%s", ip, p.Published, p.Target, p.Protocol))
	}
	for _, v := range s.Volumes {
		switch {
		case v.Type == "tmpfs":
			n.Tmpfs = append(n.Tmpfs, v.Target)
		case filesDir != "" && strings.HasPrefix(v.Source, filesDir+"/"):
			n.Mounts = append(n.Mounts, "file "+v.Target)
		default:
			n.Mounts = append(n.Mounts, fmt.Sprintf("%s %s:%s ro=%v", v.Type, v.Source, v.Target, v.ReadOnly))
		}
	}
	for _, sec := range s.Secrets {
		target := cmpOr(sec.Target, sec.Source)
		if !path.IsAbs(target) {
			target = "/run/secrets/" + target
		}
		n.Mounts = append(n.Mounts, "file "+target)
	}
	for _, c := range s.Configs {
		target := cmpOr(c.Target, "/"+c.Source)
		n.Mounts = append(n.Mounts, "file "+target)
	}
	for _, tm := range s.Tmpfs {
		n.Tmpfs = append(n.Tmpfs, strings.SplitN(tm, ":", 2)[0])
	}
	n.Expose = slices.Clone(s.Expose)
	for name, d := range s.DependsOn {
		n.DependsOn[name] = fmt.Sprintf("%s required=%v restart=%v", d.Condition, d.Required, d.Restart)
	}
	for _, l := range [][]string{n.Ports, n.Mounts, n.Expose, n.Tmpfs} {
		slices.Sort(l)
	}
	return n
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// compareServices lists every field on which got differs from want.
func compareServices(want, got normalized) []string {
	var diffs []string
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		w, g := wv.Field(i).Interface(), gv.Field(i).Interface()
		if !reflect.DeepEqual(w, g) && !(isEmpty(w) && isEmpty(g)) {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", wv.Type().Field(i).Name, g, w))
		}
	}
	return diffs
}

func isEmpty(v any) bool {
	r := reflect.ValueOf(v)
	return (r.Kind() == reflect.Slice || r.Kind() == reflect.Map) && r.Len() == 0
}

func deref(p *string) string {
	if p == nil {
		return "<unset>"
	}
	return *p
}

func derefAll(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = deref(v)
	}
	return out
}
