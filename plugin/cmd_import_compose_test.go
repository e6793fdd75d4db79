package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

func TestComposeEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		dotenv  string // .env next to the compose file; "" for none
		envFile string // content of an --env-file
		proc    map[string]string
		want    map[string]string
		wantErr string
	}{
		{name: "process only", proc: map[string]string{"A": "1"}, want: map[string]string{"A": "1"}},
		{name: ".env under the process environment", dotenv: "A=from-dotenv\nB=${A}-x\nC=c\n", proc: map[string]string{"A": "1"},
			want: map[string]string{"A": "1", "B": "1-x", "C": "c"}},
		{name: "--env-file replaces .env", dotenv: "A=dotenv\n", envFile: "A=envfile\n", want: map[string]string{"A": "envfile"}},
		{name: "broken .env", dotenv: "A='unterminated\n", wantErr: "environment file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.dotenv != "" {
				os.WriteFile(filepath.Join(dir, ".env"), []byte(tc.dotenv), 0o600)
			}
			var files []string
			if tc.envFile != "" {
				p := filepath.Join(t.TempDir(), "other.env")
				os.WriteFile(p, []byte(tc.envFile), 0o600)
				files = []string{p}
			}
			got, err := composeEnvironment(dir, files, tc.proc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReferencedEnv(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.env"), []byte("FROM_FILE=${IN_ENV_FILE}\nBARE\n"), 0o600)
	env := map[string]string{"USED": "1", "BARE_KEY": "2", "IN_ENV_FILE": "3", "BARE": "4", "SECRET_TOKEN": "never-sent", "HOME": "/root"}
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"only what the file refers to", "services:\n  a:\n    image: x:${USED}\n    environment: [BARE_KEY, UNSET_ONE]\n", []string{"BARE_KEY", "USED"}},
		{"env_file references", "services:\n  a:\n    image: x\n    env_file: app.env\n", []string{"BARE", "IN_ENV_FILE"}},
		{"include sends everything", "include: [x.yml]\nservices:\n  a:\n    image: x\n", slices.Sorted(maps.Keys(env))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(referencedEnv([]byte(tc.file), dir, env)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("sent %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDefaultComposeStack(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{"directory", "services: {}\n", nil, "my-app"},
		{"name", "name: Shop_1\nservices: {}\n", nil, "shop-1"},
		{"interpolated name", "name: ${PROJECT:-fallback}\nservices: {}\n", map[string]string{"PROJECT": "shop"}, "shop"},
		{"interpolated default", "name: ${PROJECT:-fallback}\nservices: {}\n", nil, "fallback"},
		{"COMPOSE_PROJECT_NAME wins", "name: shop\nservices: {}\n", map[string]string{"COMPOSE_PROJECT_NAME": "other"}, "other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultComposeStack([]byte(tc.file), "/src/My App", tc.env); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestImportComposeRequest: the CLI sends the referenced variables of the
// process environment and .env, and the active profiles; it prints the
// warnings.
func TestImportComposeRequest(t *testing.T) {
	var got api.ImportComposeRequest
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.ImportResult{Stack: got.Stack, Created: true, Instances: []string{"web"},
			Warnings: []string{"services.web.networks: front not carried over"}})
	})
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	os.WriteFile(file, []byte("services:\n  web:\n    image: x\n    ports: [\"${WEB_PORT}:80\"]\n    environment: {PW: \"${DB_PASS}\"}\n"), 0o600)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("WEB_PORT=8080\nDB_PASS=from-dotenv\nCOMPOSE_PROFILES=debug, dev\n"), 0o600)
	old := processEnviron
	t.Cleanup(func() { processEnviron = old })
	processEnviron = func() []string { return []string{"DB_PASS=from-process", "UNRELATED=secret-stuff"} }

	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"import-compose", file, "--stack", "web"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := map[string]string{"WEB_PORT": "8080", "DB_PASS": "from-process"}; !maps.Equal(got.Environment, want) {
		t.Errorf("environment sent = %v, want %v", got.Environment, want)
	}
	if !slices.Equal(got.Profiles, []string{"debug", "dev"}) {
		t.Errorf("profiles = %v", got.Profiles)
	}
	if got.WorkDir != dir || got.Filename != "compose.yaml" {
		t.Errorf("workdir %q, filename %q", got.WorkDir, got.Filename)
	}
	if !strings.Contains(errOut.String(), "devarch: warning: services.web.networks: front not carried over\n") {
		t.Errorf("stderr lacks the warning:\n%s", errOut)
	}
	c, out, errOut = fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"import-compose", file, "--stack", "web", "--profile", "tools"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !slices.Equal(got.Profiles, []string{"tools"}) {
		t.Errorf("--profile should replace COMPOSE_PROFILES: %v", got.Profiles)
	}
}

// TestImportComposeSendsTheFilesItNames: the CLI reads the files a compose
// file includes, extends and takes env from and sends them, keyed by
// absolute path; a required one it cannot read is an error naming the key,
// and nothing is sent.
func TestImportComposeSendsTheFilesItNames(t *testing.T) {
	var got api.ImportComposeRequest
	calls := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.ImportResult{Stack: got.Stack, Created: true})
	})
	dir := t.TempDir()
	files := map[string]string{
		"compose.yaml":  "include: [inc/db.yml]\nservices:\n  web:\n    extends: {file: base.yml, service: b}\n    env_file: [web.env, {path: gone.env, required: false}]\n",
		"inc/db.yml":    "services:\n  db:\n    image: postgres:16\n    env_file: db.env\n",
		"inc/db.env":    "POSTGRES_PASSWORD=pw\n",
		"base.yml":      "services:\n  b:\n    image: nginx\n",
		"web.env":       "A=1\n",
		"unrelated.env": "B=2\n",
	}
	for name, content := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700)
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
	}
	c, out, errOut := fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"import-compose", filepath.Join(dir, "compose.yaml"), "--stack", "web"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	want := map[string]string{}
	for _, name := range []string{"inc/db.yml", "inc/db.env", "base.yml", "web.env"} {
		want[filepath.Join(dir, name)] = files[name]
	}
	if !maps.Equal(got.Sources, want) {
		t.Errorf("sources sent = %v, want %v", got.Sources, want)
	}

	os.Remove(filepath.Join(dir, "inc/db.env"))
	calls = 0
	c, out, errOut = fakeDaemon(t, h, "")
	if code := c.execute(context.Background(), []string{"import-compose", filepath.Join(dir, "compose.yaml"), "--stack", "web"}); code == 0 {
		t.Fatalf("a missing env file: exit 0\n%s", out)
	}
	if msg := errOut.String(); !strings.Contains(msg, "services.db.env_file (in "+filepath.Join(dir, "inc/db.yml")+")") || !strings.Contains(msg, filepath.Join(dir, "inc/db.env")) {
		t.Errorf("error does not name the key and the path:\n%s", msg)
	}
	if calls != 0 {
		t.Errorf("the import was sent after a read error")
	}
}
