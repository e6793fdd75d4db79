package devfile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sourceMarker = "MARKER-5e1f0c"

// writeFiles writes name → content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestComposeImportReadsNoFileItWasNotSent gives the conversion (the
// daemon's side) compose files naming real files on disk, holding a
// marker, that the CLI did not send: a required one is an error naming the
// key, an optional one is skipped, and the marker appears nowhere.
func TestComposeImportReadsNoFileItWasNotSent(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"other.yml":     "services:\n  other:\n    image: alpine:3\n    environment: {M: " + sourceMarker + "}\n",
		"base.yml":      "services:\n  base:\n    image: alpine:3\n    environment: {M: " + sourceMarker + "}\n",
		"marker.env":    "M=" + sourceMarker + "\n",
		"marker.labels": "m=" + sourceMarker + "\n",
		"sub/inc.yml":   "services:\n  inc:\n    image: alpine:${TAG:-3}\n    env_file: ../marker.env\n",
		"sub/.env":      "TAG=" + sourceMarker + "\n",
	})
	abs := func(name string) string { return filepath.Join(dir, name) }
	inc := abs("sub/inc.yml")
	tests := []struct {
		name, doc string
		sent      []string // files the CLI sent, by name under dir
		field     string   // the key the error names; "" for no error
	}{
		{"include", "include: [other.yml]\nservices:\n  web:\n    image: nginx\n", nil, "include[0]"},
		{"include by absolute path", "include: [" + abs("other.yml") + "]\nservices:\n  web:\n    image: nginx\n", nil, "include[0]"},
		{"include in long form", "include:\n  - path: [other.yml]\nservices:\n  web:\n    image: nginx\n", nil, "include[0].path[0]"},
		{"include's env_file", "include:\n  - path: other.yml\n    env_file: marker.env\nservices:\n  web:\n    image: nginx\n", []string{"other.yml"}, "include[0].env_file"},
		{"extends.file", "services:\n  web:\n    extends: {file: base.yml, service: base}\n", nil, "services.web.extends.file"},
		{"env_file", "services:\n  web:\n    image: nginx\n    env_file: marker.env\n", nil, "services.web.env_file"},
		{"env_file list", "services:\n  web:\n    image: nginx\n    env_file: [marker.env]\n", nil, "services.web.env_file[0]"},
		{"env_file long form", "services:\n  web:\n    image: nginx\n    env_file:\n      - path: " + abs("marker.env") + "\n        required: true\n", nil, "services.web.env_file[0].path"},
		{"label_file", "services:\n  web:\n    image: nginx\n    label_file: marker.labels\n", nil, "services.web.label_file"},
		{"env_file of an included file", "include: [sub/inc.yml]\nservices:\n  web:\n    image: nginx\n", []string{"sub/inc.yml"}, "services.inc.env_file (in " + inc + ")"},
		{"extends.file through a merge key", "x-base: &base\n  extends: {file: base.yml, service: base}\nservices:\n  web:\n    <<: *base\n", nil, "services.web.extends.file"},
		{"env_file through an alias", "x-files: &files [marker.env]\nservices:\n  web:\n    image: nginx\n    env_file: *files\n", nil, "services.web.env_file[0]"},
		{"env_file not required", "services:\n  web:\n    image: nginx\n    env_file:\n      - path: marker.env\n        required: false\n", nil, ""},
		{"an included project's .env", "include: [sub/inc.yml]\nservices:\n  web:\n    image: nginx\n", []string{"sub/inc.yml", "marker.env"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sources := map[string]string{}
			for _, name := range tt.sent {
				b, err := os.ReadFile(abs(name))
				if err != nil {
					t.Fatal(err)
				}
				sources[abs(name)] = strings.ReplaceAll(string(b), sourceMarker, "sent")
			}
			ci, err := FromCompose([]byte(tt.doc), ComposeOptions{Stack: "s", WorkDir: dir, Sources: sources})
			if tt.field == "" {
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				if got := fmt.Sprintf("%+v", *ci); strings.Contains(got, sourceMarker) {
					t.Errorf("the import holds what a file it was not sent says: %s", got)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.field+" (line ") || !strings.Contains(err.Error(), "the CLI did not send it") {
				t.Errorf("error does not name the key %s and its line: %v", tt.field, err)
			}
			if strings.Contains(err.Error(), sourceMarker) {
				t.Errorf("error quotes a file: %v", err)
			}
		})
	}
}

// TestComposeSourcesAsTheCLIReadsThem collects, as the CLI does, every
// file a compose file names, through include (with its env_file and
// project_directory) and extends, and the import converts from them alone.
func TestComposeSourcesAsTheCLIReadsThem(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"compose.yaml": "include:\n  - path: inc/db.yml\n    env_file: inc/db.env\n    project_directory: inc\n" +
			"services:\n  web:\n    extends: {file: base/base.yml, service: web}\n    env_file:\n      - web.env\n      - path: missing.env\n        required: false\n",
		"inc/db.yml":         "services:\n  db:\n    image: postgres:${PG_TAG}\n    env_file: db-runtime.env\n",
		"inc/db.env":         "PG_TAG=16\n",
		"inc/db-runtime.env": "POSTGRES_PASSWORD=pw\n",
		"base/base.yml":      "services:\n  web:\n    extends: core\n  core:\n    image: nginx:1.27\n    env_file: core.env\n    label_file: core.labels\n",
		"base/core.env":      "FROM_CORE=1\nWEB=core\n",
		"base/core.labels":   "team=web\n",
		"web.env":            "WEB=web\n",
	})
	data, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	sources, err := ComposeSources(data, dir, nil, func(p string) ([]byte, error) {
		read = append(read, strings.TrimPrefix(p, dir+"/"))
		return os.ReadFile(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base/base.yml", "base/core.env", "base/core.labels", "inc/db-runtime.env", "inc/db.env", "inc/db.yml", "web.env"}
	var got []string
	for p := range sources {
		got = append(got, strings.TrimPrefix(p, dir+"/"))
	}
	if fmt.Sprint(slices.Sorted(slices.Values(got))) != fmt.Sprint(want) {
		t.Errorf("sources = %v, want %v (read %v)", got, want, read)
	}
	ci, err := FromCompose(data, ComposeOptions{Stack: "s", WorkDir: dir, Sources: sources})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	env := map[string]string{}
	for _, tp := range ci.Templates {
		for k, v := range tp.Env {
			env[tp.Name+"."+k] = v.Value
		}
		if tp.Name == "s-web" && tp.Labels["team"] != "web" {
			t.Errorf("labels of web = %v, want team=web from the label file", tp.Labels)
		}
	}
	for k, v := range map[string]string{"s-web.FROM_CORE": "1", "s-web.WEB": "web"} {
		if env[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, env[k], v, env)
		}
	}
	for _, in := range ci.Stack.Instances {
		if in.Name == "db" && (in.Overrides.Tag == nil || *in.Overrides.Tag != "16") && !strings.Contains(fmt.Sprint(ci.Templates), "postgres:16") {
			t.Errorf("db does not run postgres 16 from the include's env_file: %+v", in.Overrides)
		}
	}
}

// TestComposeSourcesLimits: a compose file names at most
// MaxComposeSources files, each at most MaxSize bytes; a missing required
// file names the key.
func TestComposeSourcesLimits(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("services:\n  web:\n    image: nginx\n    env_file:\n")
	files := map[string]string{}
	for i := range MaxComposeSources + 1 {
		name := fmt.Sprintf("e%d.env", i)
		files[name] = "A=1\n"
		fmt.Fprintf(&b, "      - %s\n", name)
	}
	writeFiles(t, dir, files)
	_, err := ComposeSources([]byte(b.String()), dir, nil, os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("services.web.env_file[%d]", MaxComposeSources)) || !strings.Contains(err.Error(), "at most 64 files") {
		t.Errorf("too many files: %v", err)
	}
	writeFiles(t, dir, map[string]string{"big.env": "A=" + strings.Repeat("x", MaxSize) + "\n"})
	_, err = ComposeSources([]byte("services:\n  web:\n    image: nginx\n    env_file: big.env\n"), dir, nil, os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "services.web.env_file (line 4)") || !strings.Contains(err.Error(), "the limit is") || strings.Contains(err.Error(), "xxxx") {
		t.Errorf("oversized file: %v", err)
	}
	_, err = ComposeSources([]byte("services:\n  web:\n    image: nginx\n    env_file: [nope.env]\n"), dir, nil, os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "services.web.env_file[0] (line 4): cannot read "+filepath.Join(dir, "nope.env")) {
		t.Errorf("missing file: %v", err)
	}
}

// TestComposeIncludedFileThatDoesNotParse: the CLI reads and sends an
// included or extended file that is no YAML, or an env file that is none;
// the error (from the CLI's collection or the conversion) names the file
// and a line, never what the file holds.
func TestComposeIncludedFileThatDoesNotParse(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"broken.yml": "services:\n  x:\n    image: [\"" + sourceMarker + "\n  y: {" + sourceMarker + "\n",
		"shadow":     "root:" + sourceMarker + ":19000:0:99999:7:::\n",
		"bad.env":    "A=1\nB=\"" + sourceMarker + "\n",
	})
	for _, tt := range []struct {
		name, doc, file string
		line            bool // the error names a line of the file
	}{
		{"include", "include: [broken.yml]\nservices:\n  web:\n    image: nginx\n", "broken.yml", true},
		{"extends", "services:\n  web:\n    extends: {file: broken.yml, service: x}\n", "broken.yml", true},
		{"include of a file that is no compose file", "include: [shadow]\nservices:\n  web:\n    image: nginx\n", "shadow", false},
		{"env_file that is no env file", "services:\n  web:\n    image: nginx\n    env_file: bad.env\n", "bad.env", true},
		{"include's env_file that is no env file", "include:\n  - path: shadow\n    env_file: bad.env\nservices:\n  web:\n    image: nginx\n", "bad.env", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sources, err := ComposeSources([]byte(tt.doc), dir, nil, os.ReadFile)
			if err == nil {
				_, err = FromCompose([]byte(tt.doc), ComposeOptions{Stack: "s", WorkDir: dir, Sources: sources})
			}
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), sourceMarker) {
				t.Errorf("error quotes the file: %v", err)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tt.file)) {
				t.Errorf("error does not name %s: %v", tt.file, err)
			}
			if tt.line && !strings.Contains(err.Error(), "line ") {
				t.Errorf("error names no line: %v", err)
			}
			if strings.Contains(err.Error(), "devarch-compose-") {
				t.Errorf("error names the daemon's private copy: %v", err)
			}
			t.Log(err)
		})
	}
}
