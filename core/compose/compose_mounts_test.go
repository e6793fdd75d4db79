package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// A config file's content or mode must change the generated service, so
// compose recreates the container (its bind mount is pinned to the file it
// was created with); nothing else about the files may.
func TestFilesLabelFollowsContentAndMode(t *testing.T) {
	label := func(t *testing.T, edit func(web *core.Instance)) string {
		t.Helper()
		st := labStack()
		for i := range st.Instances {
			if st.Instances[i].Name == "web" {
				edit(&st.Instances[i])
			}
		}
		p, err := Project(build(t, st), Options{FilesDir: "/f"})
		if err != nil {
			t.Fatal(err)
		}
		return p.Services["web"].Labels[LabelFiles]
	}
	base := label(t, func(*core.Instance) {})
	if len(base) != 16 {
		t.Fatalf("label %s = %q, want 16 hex digits", LabelFiles, base)
	}
	if again := label(t, func(*core.Instance) {}); again != base {
		t.Errorf("label not deterministic: %q then %q", base, again)
	}
	setFile := func(f core.ConfigFile) func(*core.Instance) {
		return func(web *core.Instance) { web.Overrides.Files[f.Target] = f }
	}
	for name, edit := range map[string]func(*core.Instance){
		"content":        setFile(core.ConfigFile{Target: "/run/secrets/token", Content: "tok-456", Sensitive: true}),
		"secret content": setFile(core.ConfigFile{Target: "/run/secrets/token", Content: "tok-124", Sensitive: true}),
		"sensitivity":    setFile(core.ConfigFile{Target: "/run/secrets/token", Content: "tok-123"}),
		"mode":           setFile(core.ConfigFile{Target: "/run/secrets/token", Content: "tok-123", Mode: 0o640}),
		"new file":       setFile(core.ConfigFile{Target: "/etc/extra.conf", Content: "x"}),
		"target": func(web *core.Instance) {
			web.Overrides.Files = map[string]core.ConfigFile{
				"/run/secrets/other": {Target: "/run/secrets/other", Content: "tok-123", Sensitive: true},
			}
		},
	} {
		if got := label(t, edit); got == base {
			t.Errorf("%s changed but label %s stayed %q", name, LabelFiles, got)
		}
	}
	if got := label(t, func(web *core.Instance) { web.Overrides.Env = map[string]core.EnvVar{"X": {Value: "1"}} }); got != base {
		t.Errorf("env change moved label %s: %q → %q", LabelFiles, base, got)
	}

	p, err := Project(build(t, labStack()), Options{FilesDir: "/f"})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := p.Services["db"].Labels[LabelFiles]; ok {
		t.Errorf("db has no config files but label %s = %q", LabelFiles, l)
	}
	// Secret output and redacted output carry the same label: it never
	// depends on how env secrets are shown.
	q, err := Project(build(t, labStack()), Options{FilesDir: "/f", ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := p.Services["web"].Labels[LabelFiles], q.Services["web"].Labels[LabelFiles]; a != b {
		t.Errorf("label differs with ShowSecrets: %q vs %q", a, b)
	}
}

// User bind mounts are created when missing, as `docker compose up` does
// for a short "HOST:CONTAINER" mount; devarch's own config-file mounts are
// not (their files must exist). The YAML spells create_host_path out, since
// older compose releases read a missing key as false.
func TestUserBindMountsCreateHostPath(t *testing.T) {
	p, err := Project(build(t, labStack()), Options{FilesDir: "/f"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Services["db"].Volumes {
		switch v.Type {
		case types.VolumeTypeBind:
			if v.Bind == nil || !bool(v.Bind.CreateHostPath) {
				t.Errorf("user bind %s:%s: bind = %+v, want create_host_path", v.Source, v.Target, v.Bind)
			}
		case types.VolumeTypeVolume:
			if v.Bind != nil {
				t.Errorf("named volume %s has bind options %+v", v.Source, v.Bind)
			}
		}
	}
	for _, v := range p.Services["web"].Volumes {
		if v.Bind != nil {
			t.Errorf("config file mount %s has bind options %+v; it must not create a missing file", v.Target, v.Bind)
		}
	}

	out, err := Generate(build(t, labStack()), Options{FilesDir: "/f"})
	if err != nil {
		t.Fatal(err)
	}
	want := "        source: /srv/seed\n        target: /docker-entrypoint-initdb.d\n        read_only: true\n" +
		"        bind:\n          create_host_path: true\n"
	if !strings.Contains(string(out), want) {
		t.Errorf("output lacks an explicit create_host_path for /srv/seed:\n%s", out)
	}
	if n := strings.Count(string(out), "create_host_path"); n != 1 {
		t.Errorf("create_host_path written %d times, want once (the config-file mounts have none):\n%s", n, out)
	}

	// A fragment's bind mount gets the same explicit default; an explicit
	// false is kept.
	st := shopStack("shop")
	st.Instances[2].Overrides.Compose = "volumes:\n  - ./data:/data\n  - type: bind\n    source: /srv/x\n    target: /x\n    bind:\n      create_host_path: false\n"
	out, err = Generate(build(t, st), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "create_host_path: true") || !strings.Contains(string(out), "create_host_path: false") {
		t.Errorf("fragment binds: want one explicit true and one false:\n%s", out)
	}
}

// TestCreateHostPathFastPathMatchesTree checks that spelling out
// create_host_path line by line gives the bytes the YAML tree rewrite gives.
func TestCreateHostPathFastPathMatchesTree(t *testing.T) {
	for _, st := range []core.Stack{labStack(), shopStack("shop")} {
		t.Run(st.Name, func(t *testing.T) {
			p, err := Project(build(t, st), Options{FilesDir: "/f"})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := p.MarshalYAML()
			if err != nil {
				t.Fatal(err)
			}
			fast, n := expandEmptyBinds(raw)
			tree, err := rewriteBinds(raw)
			if err != nil {
				t.Fatal(err)
			}
			if string(fast) != string(tree) {
				t.Errorf("fast path (%d binds) differs from the tree rewrite:\n%s\n---\n%s", n, fast, tree)
			}
		})
	}
}

// A "bind: {}" line inside a value, and a bind with other options, must
// take the tree rewrite: the value stays as written, every bind gets the key.
func TestCreateHostPathLeavesValuesAlone(t *testing.T) {
	st := shopStack("shop")
	for i := range st.Instances {
		if st.Instances[i].Name == "api" {
			o := &st.Instances[i].Overrides
			o.Env = map[string]core.EnvVar{"CFG": {Value: "a: 1\nbind: {}\nz: 2"}}
			o.Compose = "volumes:\n  - {type: bind, source: /srv/x, target: /x, bind: {propagation: rprivate}}\n"
		}
	}
	out, err := Generate(build(t, st), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := load(t, writeGolden(t, out), core.ProjectName("shop"))
	api := p.Services["api"]
	if v := api.Environment["CFG"]; v == nil || *v != "a: 1\nbind: {}\nz: 2" {
		t.Errorf("CFG = %v; the value must stay as written", v)
	}
	if n := strings.Count(string(out), "create_host_path: true"); n != 1 {
		t.Errorf("create_host_path spelled out %d times, want 1 (the fragment's bind):\n%s", n, out)
	}
}

func writeGolden(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
