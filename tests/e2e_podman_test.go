//go:build e2e

package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// e2pAPIPort is the host port the api instance publishes under Podman.
const e2pAPIPort = "19873"

// TestE2EPodmanCoreScenario runs the core scenario on Podman: a db and an
// api wired to it are planned (the plan naming Podman), applied, run
// healthy in Podman with the consumer's env wired to the provider, listed
// by ps, planned again as unchanged and destroyed.
func TestE2EPodmanCoreScenario(t *testing.T) {
	e := requirePodman(t)
	h := newHome(t)
	h.env = append(h.env, "DEVARCH_RUNTIME=podman")
	const stack = "e2pcore"
	dbName, apiName := "devarch-"+stack+"-db", "devarch-"+stack+"-api"

	for _, f := range []string{"e2e-db.yml", "e2e-api.yml"} {
		h.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "templates", f))
	}
	h.ok("stack", "create", stack)
	h.ok("instance", "add", stack, "db", "--template", "e2e-db")
	h.ok("instance", "add", stack, "api", "--template", "e2e-api")
	h.ok("instance", "set", stack, "api", "--port", "127.0.0.1:"+e2pAPIPort+":8080")
	e2rCleanupProject(t, e, h, stack)

	// The plan names Podman, both as text (with the flag) and as JSON
	// (from DEVARCH_RUNTIME).
	text := h.ok("plan", stack, "--runtime", "podman")
	if !strings.Contains(text, "(runtime: podman") {
		t.Errorf("plan does not name the podman runtime:\n%s", text)
	}
	var p plan.View
	h.json(&p, "plan", stack)
	if !strings.HasPrefix(p.Runtime, "podman") || p.Summary.Create != 2 || len(p.Changes) != 2 {
		t.Errorf("plan = runtime %q, summary %+v; want podman creating 2", p.Runtime, p.Summary)
	}
	if len(p.Wires) != 1 || p.Wires[0].Consumer != "api" || p.Wires[0].Provider != "db" {
		t.Errorf("plan wires = %+v; want api.db -> db", p.Wires)
	}

	out := h.ok("apply", stack, "--auto-approve")
	if !strings.Contains(out, "Apply complete: 2 created") {
		t.Fatalf("apply on podman:\n%s", out)
	}

	// The containers are Podman's, running and healthy, with devarch labels.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := e.Containers(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("podman containers of %s = %+v; want db and api", stack, cs)
	}
	for _, c := range cs {
		if (c.Name != dbName && c.Name != apiName) || c.State != "running" || c.Health != "healthy" || !c.Managed() {
			t.Errorf("podman container %+v; want %s or %s, running, healthy and managed", c, dbName, apiName)
		}
	}

	// The consumer's env is wired to the provider's container name, and the
	// name resolves and answers on the stack's network.
	env := e2pEnv(t, ctx, e.Exec, apiName)
	if env["DB_HOST"] != dbName || env["DB_PORT"] != "5432" ||
		env["DATABASE_URL"] != "postgres://app:e2e-default-password@"+dbName+":5432/app" {
		t.Errorf("api env DB_HOST=%q DB_PORT=%q DATABASE_URL=%q; want them pointing at %s:5432",
			env["DB_HOST"], env["DB_PORT"], env["DATABASE_URL"], dbName)
	}
	// Reaching the provider by that name needs the network's DNS, which
	// Podman with CNI only has when the dnsname plugin is installed.
	netName := "devarch-" + stack + "-net"
	if dns, err := e.NetworkDNSEnabled(ctx, netName); err != nil {
		t.Errorf("network %s: %v", netName, err)
	} else if !dns && os.Getenv("CI") == "true" {
		t.Errorf("network %s has no DNS: CI installs Podman's dnsname plugin (scripts/engine-setup.sh), so containers must resolve each other", netName)
	} else if !dns {
		t.Logf("network %s has no DNS on this Podman (CNI without the dnsname plugin): not dialing %s by name", netName, dbName)
	} else if out, err := e.Exec(ctx, apiName, "/testprog", "dial", dbName+":5432"); err != nil {
		t.Errorf("api cannot reach %s:5432 on podman: %v %s", dbName, err, out)
	}
	// The published port answers on the host.
	e2pGetOK(t, "http://127.0.0.1:"+e2pAPIPort+"/health")

	var ps []api.Container
	h.json(&ps, "ps", stack)
	if len(ps) != 2 || ps[0].Name != apiName || ps[1].Name != dbName || ps[0].Health != "healthy" || ps[1].Health != "healthy" {
		t.Errorf("ps --json = %+v; want %s and %s healthy", ps, apiName, dbName)
	}
	if out := h.ok("ps", stack); !strings.Contains(out, apiName) || !strings.Contains(out, dbName) {
		t.Errorf("ps does not list both containers:\n%s", out)
	}

	h.fails(0, "plan", stack, "--detailed-exitcode")

	out = h.ok("destroy", stack, "--auto-approve")
	if !strings.Contains(out, "Destroy complete: 2 deleted") {
		t.Errorf("destroy on podman:\n%s", out)
	}
	if cs, err := e.Containers(ctx, stack); err != nil || len(cs) != 0 {
		t.Errorf("podman containers after destroy = %+v, %v; want none", cs, err)
	}
	ps = nil
	h.json(&ps, "ps", stack)
	if len(ps) != 0 {
		t.Errorf("ps after destroy = %+v; want none", ps)
	}
}

// e2pEnv returns the environment of container as its test program prints it.
func e2pEnv(t *testing.T, ctx context.Context, exec func(context.Context, string, ...string) (string, error), container string) map[string]string {
	t.Helper()
	out, err := exec(ctx, container, "/testprog", "env")
	if err != nil {
		t.Fatalf("env of %s: %v", container, err)
	}
	env := map[string]string{}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("env of %s: %v\n%s", container, err, out)
	}
	return env
}

// e2pGetOK fails unless url answers 200 within 20 seconds.
func e2pGetOK(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	var last string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status + " " + string(body)
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("GET %s: %s", url, last)
}
