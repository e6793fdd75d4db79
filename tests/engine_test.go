//go:build e2e

package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestQualifiedImage(t *testing.T) {
	tests := map[string]string{
		"redis:7-alpine":                       "docker.io/library/redis:7-alpine",
		"docker.io/library/postgres:16-alpine": "docker.io/library/postgres:16-alpine",
		"devarch/testprog:e2e":                 "docker.io/devarch/testprog:e2e",
		"ghcr.io/x/y:1":                        "ghcr.io/x/y:1",
		"localhost/y:1":                        "localhost/y:1",
		"registry:5000/y":                      "registry:5000/y",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := qualifiedImage(in); got != want {
				t.Errorf("qualifiedImage(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// TestEngineHelpers proves the e2e helpers: the test image is built and
// retagged, and a container started from a retagged name serves HTTP and
// passes its health check.
func TestEngineHelpers(t *testing.T) {
	e := requireEngine(t)
	names, err := templateImages()
	if err != nil {
		t.Fatal(err)
	}
	want := "docker.io/devarch/testprog:e2e"
	found := false
	for _, n := range names {
		found = found || n == want
	}
	if !found {
		t.Fatalf("template images %q lack %s from tests/testdata/templates", names, want)
	}
	image := names[0]

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := fmt.Sprintf("devarch-e2e-helper-%d", time.Now().UnixNano()%1e6)
	t.Cleanup(func() { e.RemoveContainers(context.Background(), name) })
	if _, err := e.RunContainer(ctx, name, "-e", "LISTEN_PORTS=5432", image); err != nil {
		t.Fatal(err)
	}

	waitFor(t, 30*time.Second, "testprog health in "+name, func() bool {
		_, err := e.Exec(ctx, name, "/testprog", "health")
		return err == nil
	})
	if out, err := e.Exec(ctx, name, "/testprog", "health", "http://127.0.0.1:8080/"); err != nil {
		t.Fatalf("health of / = %q, %v", out, err)
	}
	if _, err := e.Exec(ctx, name, "/testprog", "dial", "127.0.0.1:5432"); err != nil {
		t.Errorf("LISTEN_PORTS=5432 not listening: %v", err)
	}
	if _, err := e.Exec(ctx, name, "/testprog", "dial", "127.0.0.1:5433"); err == nil {
		t.Errorf("dial of a closed port succeeded")
	}
	env, err := e.Exec(ctx, name, "/testprog", "env")
	if err != nil || !strings.Contains(env, `"LISTEN_PORTS": "5432"`) {
		t.Errorf("env = %q, %v; want LISTEN_PORTS in it", env, err)
	}
	cs, err := e.ContainersNamed(ctx, []string{name})
	if err != nil || len(cs) != 1 || cs[0].State != "running" || cs[0].Managed() {
		t.Errorf("container = %+v, %v; want one running, unmanaged", cs, err)
	}
}
