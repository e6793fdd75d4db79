//go:build e2e

package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

// TestE2EComposeBuildSecretDependsOn imports a compose project as compose
// would run it: a service built from a Dockerfile (FROM scratch plus the
// test program), reading a file secret, that depends on a healthy service
// publishing no port. Applied, both run healthy, the secret's content is
// in the container at /run/secrets/NAME and in no devarch output. The file
// stays the source of truth: an edited file imported again is a plan that
// apply commits.
func TestE2EComposeBuildSecretDependsOn(t *testing.T) {
	x := newE2S(t)
	s := fmt.Sprintf("e2c-cmp-%04x", rand.IntN(0x10000))
	x.root.mu.Lock()
	x.root.stacks = append(x.root.stacks, s)
	x.root.mu.Unlock()

	dir := t.TempDir()
	if err := buildTestprog(x.ctx(), filepath.Join(dir, "testprog")); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "e2c-Secret-Content-5183-never-printed"
	write("db_password.txt", secret)
	write("Dockerfile", "FROM scratch\nCOPY testprog /testprog\nENTRYPOINT [\"/testprog\"]\nCMD [\"serve\"]\n")
	compose := func(greeting string) string {
		return `services:
  app:
    build: .
    environment:
      GREETING: ` + greeting + `
    secrets: [db_password]
    depends_on:
      worker:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "/testprog", "health"]
      interval: 1s
      retries: 30
  worker:
    image: ` + testImage + `
    healthcheck:
      test: ["CMD", "/testprog", "health"]
      interval: 1s
      retries: 30
secrets:
  db_password:
    file: ./db_password.txt
`
	}
	file := filepath.Join(dir, "compose.yaml")
	write("compose.yaml", compose("before"))

	var outputs []string
	out := x.ok("import-compose", file, "--stack", s)
	outputs = append(outputs, out)
	out = x.apply(s)
	outputs = append(outputs, out)
	if !strings.Contains(out, "build "+core.ContainerName(s, "app")) {
		t.Errorf("apply should build app's image:\n%s", out)
	}
	x.waitHealthy(s, "app", "worker")

	got, err := x.e.Exec(x.ctx(), core.ContainerName(s, "app"), "/testprog", "cat", "/run/secrets/db_password")
	if err != nil {
		t.Fatal(err)
	}
	if got != secret {
		t.Errorf("the secret in the container is %d bytes, not the file's content", len(got))
	}
	for _, args := range [][]string{
		{"config", s}, {"stack", "show", s}, {"instance", "show", s, "app"}, {"ps", s},
		{"plan", s}, {"export", s}, {"template", "show", s + "-app"},
	} {
		outputs = append(outputs, x.ok(args...))
	}

	// The edited file over the running stack: a plan, applied by its ID.
	write("compose.yaml", compose("after"))
	out = x.ok("import-compose", file, "--stack", s)
	outputs = append(outputs, out)
	id := regexp.MustCompile(`--plan (\S+?)` + "`").FindStringSubmatch(out)
	if id == nil || !strings.Contains(out, core.ContainerName(s, "app")) {
		t.Fatalf("re-import of the edited file should print its plan:\n%s", out)
	}
	outputs = append(outputs, x.ok("apply", s, "--plan", id[1]))
	x.waitHealthy(s, "app", "worker")
	env, err := x.e.Exec(x.ctx(), core.ContainerName(s, "app"), "/testprog", "env")
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(env), &vars); err != nil {
		t.Fatal(err)
	}
	if vars["GREETING"] != "after" {
		t.Errorf("after applying the re-import GREETING=%q, want after", vars["GREETING"])
	}
	if out := x.ok("import-compose", file, "--stack", s); !strings.Contains(out, "already matches the file") {
		t.Errorf("the applied file again should change nothing:\n%s", out)
	}

	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Fatalf("devarch printed the secret's content:\n%s", o)
		}
	}
	x.ok("destroy", s, "--purge", "--auto-approve")
	if ls := x.ok("template", "ls"); strings.Contains(ls, s+"-app") {
		t.Errorf("destroy --purge left the templates import-compose created:\n%s", ls)
	}
	x.e.RemoveImage(x.ctx(), core.DefaultBuildImage(s, "app")) // best effort
}

// waitHealthy waits until every instance of stack named runs and reports
// healthy.
func (x *e2s) waitHealthy(stack string, instances ...string) {
	x.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		state := map[string]string{}
		for _, c := range x.containers(stack) {
			state[c.Instance()] = c.State + "/" + c.Health
		}
		ok := true
		for _, in := range instances {
			if state[in] != "running/healthy" {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("instances of %s not healthy: %v", stack, state)
		}
		time.Sleep(time.Second)
	}
}
