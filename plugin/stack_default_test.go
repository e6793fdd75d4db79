package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindDevfileWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, found, err := findDevfile(deep); err != nil || found {
		t.Fatalf("findDevfile without a file = found %v, %v; want none", found, err)
	}
	writeFile(t, filepath.Join(root, "devarch.yml"), "version: 1\nstack: {name: outer}\n")
	writeFile(t, filepath.Join(root, "a", "devarch.yaml"), "version: 1\nstack: {name: inner}\n")
	cases := []struct{ from, want string }{
		{deep, filepath.Join(root, "a", "devarch.yaml")},
		{filepath.Join(root, "a"), filepath.Join(root, "a", "devarch.yaml")},
		{root, filepath.Join(root, "devarch.yml")},
	}
	for _, tc := range cases {
		got, found, err := findDevfile(tc.from)
		if err != nil || !found || got != tc.want {
			t.Errorf("findDevfile(%s) = %q, %v, %v; want %s", tc.from, got, found, err, tc.want)
		}
	}
}

func TestDevfileStackName(t *testing.T) {
	cases := []struct {
		name, content, want, wantErr string
	}{
		{"version 1", "version: 1\nstack:\n  name: shop\n", "shop", ""},
		{"version 0", "version: 0\nname: legacy\n", "legacy", ""},
		{"no name", "version: 1\nstack: {description: x}\n", "", "stack.name: is missing"},
		{"bad name", "version: 1\nstack: {name: Not_A_Label}\n", "", "stack.name"},
		{"not YAML", "version: [1\n", "", "devarch.yml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "devarch.yml")
			writeFile(t, path, tc.content)
			got, err := devfileStackName(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v; want one naming %s and %q", err, path, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("name = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// recorder is a fake daemon that records the paths asked for; the stacks
// it knows are listed, any other is not found.
type recorder struct {
	mu     sync.Mutex
	paths  []string
	stacks map[string]bool
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.paths = append(rec.paths, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	rec.mu.Unlock()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/stacks/"), "/")
	if !rec.stacks[parts[0]] {
		apiError(w, 404, api.Error{Code: api.CodeNotFound, Message: "stack " + parts[0] + " not found"})
		return
	}
	switch {
	case len(parts) == 1:
		json.NewEncoder(w).Encode(api.StackView{})
	case parts[1] == "instances":
		json.NewEncoder(w).Encode([]api.InstanceSummary{})
	case parts[1] == "logs":
		// no lines
	default:
		apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
	}
}

// last is the last path asked for.
func (rec *recorder) last() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.paths) == 0 {
		return ""
	}
	return rec.paths[len(rec.paths)-1]
}

func TestStackResolutionOrder(t *testing.T) {
	project := t.TempDir()
	writeFile(t, filepath.Join(project, "devarch.yml"), "version: 1\nstack: {name: fromfile}\n")
	inProject := filepath.Join(project, "src", "pkg")
	if err := os.MkdirAll(inProject, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(project, "devarch.yml")
	cases := []struct {
		name      string
		args      []string
		env       string // DEVARCH_STACK
		dir       string // "" : a directory without devarch.yml
		wantPath  string
		wantNote  string // on stderr; "" : no note
		wantError string
	}{
		{"file in a parent", []string{"instance", "ls"}, "", inProject, "GET /v1/stacks/fromfile/instances?", `using stack "fromfile" from ` + file, ""},
		{"environment beats the file", []string{"instance", "ls"}, "fromenv", inProject, "GET /v1/stacks/fromenv/instances?", `using stack "fromenv" from DEVARCH_STACK`, ""},
		{"--stack beats the environment", []string{"instance", "ls", "--stack", "fromflag"}, "fromenv", inProject, "GET /v1/stacks/fromflag/instances?", "", ""},
		{"-s is --stack", []string{"instance", "ls", "-s", "fromflag"}, "", inProject, "GET /v1/stacks/fromflag/instances?", "", ""},
		{"the argument beats --stack", []string{"instance", "ls", "fromarg", "-s", "fromflag"}, "fromenv", inProject, "GET /v1/stacks/fromarg/instances?", "", ""},
		{"no default", []string{"instance", "ls"}, "", "", "", "", "takes 1 argument (STACK), got 0"},
		{"optional argument after --stack", []string{"logs", "-s", "fromflag", "db"}, "", "", "GET /v1/stacks/fromflag/logs?instance=db", "", ""},
		{"optional argument naming a stack", []string{"logs", "fromarg"}, "", inProject, "GET /v1/stacks/fromarg/logs?", "", ""},
		{"optional argument naming no stack", []string{"logs", "db"}, "", inProject, "GET /v1/stacks/fromfile/logs?instance=db", `using stack "fromfile"`, ""},
		{"unknown stack without a default", []string{"logs", "db"}, "", "", "GET /v1/stacks/db/logs?", "", "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{stacks: map[string]bool{"fromfile": true, "fromenv": true, "fromflag": true, "fromarg": true}}
			c, out, errOut := fakeDaemon(t, rec, "")
			home := c.getenv("DEVARCH_HOME")
			c.getenv = envOf(map[string]string{"DEVARCH_HOME": home, envStack: tc.env})
			if tc.dir != "" {
				c.getwd = func() (string, error) { return tc.dir, nil }
			}
			code := c.execute(context.Background(), tc.args)
			if tc.wantError != "" {
				if code != 1 || !strings.Contains(errOut.String(), tc.wantError) {
					t.Fatalf("exit %d; want 1 with %q\n%s%s", code, tc.wantError, out, errOut)
				}
			} else if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if got := rec.last(); got != tc.wantPath {
				t.Errorf("asked for %q; want %q (all: %q)", got, tc.wantPath, rec.paths)
			}
			if tc.wantNote != "" && !strings.Contains(errOut.String(), tc.wantNote) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantNote, errOut)
			}
			if tc.wantNote == "" && strings.Contains(errOut.String(), "using stack") {
				t.Errorf("stderr names a default stack that was not used:\n%s", errOut)
			}
		})
	}
}

func TestStackRmTakesNoDefault(t *testing.T) {
	rec := &recorder{stacks: map[string]bool{"fromenv": true}}
	c, out, errOut := fakeDaemon(t, rec, "")
	home := c.getenv("DEVARCH_HOME")
	c.getenv = envOf(map[string]string{"DEVARCH_HOME": home, envStack: "fromenv"})
	if code := c.execute(context.Background(), []string{"stack", "rm"}); code != 1 {
		t.Fatalf("stack rm without NAME: exit %d\n%s%s", code, out, errOut)
	}
	if len(rec.paths) != 0 {
		t.Errorf("stack rm without NAME called the daemon: %q", rec.paths)
	}
}

func TestDestroyOfUnknownStackIsNotFound(t *testing.T) {
	for _, verb := range []string{"destroy", "down", "apply"} {
		t.Run(verb, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, &recorder{}, "")
			code := c.execute(context.Background(), []string{verb, "ghost"})
			if code != 1 || !strings.Contains(errOut.String(), "stack ghost not found") {
				t.Fatalf("exit %d; want not found\n%s%s", code, out, errOut)
			}
			if strings.Contains(errOut.String(), "confirmation") {
				t.Errorf("an unknown stack should not ask for confirmation:\n%s", errOut)
			}
		})
	}
}

// upDaemon fakes the daemon for up: import answers res; plan answers an
// apply plan; apply starts job j1, which succeeds.
func upDaemon(t *testing.T, res api.ImportResult, got *[]string) http.Handler {
	t.Helper()
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*got = append(*got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/v1/import":
			var req api.ImportRequest
			json.NewDecoder(r.Body).Decode(&req)
			if !strings.Contains(req.Content, "name: shop") {
				apiError(w, 400, api.Error{Code: api.CodeInvalid, Message: "wrong file sent: " + req.Content})
				return
			}
			json.NewEncoder(w).Encode(res)
		case "/v1/stacks/shop/plan":
			json.NewEncoder(w).Encode(plan.View{ID: "p2", Stack: "shop", Changes: []plan.ResourceChange{
				{Instance: "db", Container: "devarch-shop-db", Action: plan.Create}}, Summary: plan.Summary{Create: 1}})
		case "/v1/stacks/shop/apply":
			var req api.ApplyRequest
			json.NewDecoder(r.Body).Decode(&req)
			json.NewEncoder(w).Encode(api.Job{ID: "j1", Stack: "shop", Operation: "apply", State: api.JobSucceeded,
				Summary: "Apply complete: plan " + req.PlanID})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
}

func TestUp(t *testing.T) {
	project := t.TempDir()
	writeFile(t, filepath.Join(project, "devarch.yml"), "version: 1\nstack: {name: shop}\ninstances: {db: {template: redis}}\n")
	saved := plan.View{ID: "p9", Stack: "shop", Changes: []plan.ResourceChange{
		{Instance: "db", Container: "devarch-shop-db", Action: plan.Update}}, Summary: plan.Summary{Update: 1}}
	cases := []struct {
		name      string
		res       api.ImportResult
		wantCalls []string
		wantOut   []string
	}{
		{"new stack: import, plan, apply", api.ImportResult{Stack: "shop", Created: true},
			[]string{"POST /v1/import", "POST /v1/stacks/shop/plan", "POST /v1/stacks/shop/apply"},
			[]string{`Created stack "shop"`, "+ create", "Apply complete: plan p2"}},
		{"existing stack: the import's plan is applied", api.ImportResult{Stack: "shop", PlanID: "p9", Plan: &saved},
			[]string{"POST /v1/import", "POST /v1/stacks/shop/apply"},
			[]string{"~ update", "Apply complete: plan p9"}},
		{"unchanged stack: its containers converge", api.ImportResult{Stack: "shop", Unchanged: true},
			[]string{"POST /v1/import", "POST /v1/stacks/shop/plan", "POST /v1/stacks/shop/apply"},
			[]string{"Apply complete: plan p2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			c, out, errOut := fakeDaemon(t, upDaemon(t, tc.res, &calls), "")
			c.getwd = func() (string, error) { return filepath.Join(project), nil }
			if code := c.execute(context.Background(), []string{"up", "--auto-approve"}); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if strings.Join(calls, "\n") != strings.Join(tc.wantCalls, "\n") {
				t.Errorf("calls = %q; want %q", calls, tc.wantCalls)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestUpRefusals(t *testing.T) {
	empty := t.TempDir()
	project := t.TempDir()
	writeFile(t, filepath.Join(project, "devarch.yml"), "version: 1\nstack: {name: shop}\n")
	cases := []struct {
		name, dir string
		args      []string
		want      string
	}{
		{"no devarch.yml", empty, []string{"up", "--auto-approve"}, "no devarch.yml in " + empty},
		{"no terminal to ask", project, []string{"up"}, "up needs confirmation but stdin is not a terminal"},
		{"a missing file", project, []string{"up", filepath.Join(empty, "nope.yml"), "--auto-approve"}, "nope.yml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			c, out, errOut := fakeDaemon(t, upDaemon(t, api.ImportResult{}, &calls), "")
			c.getwd = func() (string, error) { return tc.dir, nil }
			if code := c.execute(context.Background(), tc.args); code != 1 || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d; want 1 with %q\n%s%s", code, tc.want, out, errOut)
			}
			if len(calls) != 0 {
				t.Errorf("a refused up called the daemon: %q", calls)
			}
		})
	}
}
