//go:build e2e

package runtime

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

// TestAPIReadsMatchCLI: on the real engine, the reads a plan makes over
// the API socket (a stack's containers, containers holding names, image
// IDs) answer exactly what the CLI path answers, for containers running
// (several published ports, TCP and UDP, host IPs), unhealthy, exited and
// only created, and for present and missing image refs.
func TestAPIReadsMatchCLI(t *testing.T) {
	viaAPI := e2eEngine(t)
	if viaAPI.Kind() != KindDocker || viaAPI.api == nil {
		t.Skipf("engine %s reaches no local docker API socket", viaAPI.Name())
	}
	viaCLI, err := NewEngine(Spec{Kind: viaAPI.kind, Binary: viaAPI.cli, Env: viaAPI.env})
	if err != nil {
		t.Fatal(err)
	}
	viaCLI.api = nil

	const image = "devarch-testprog:e2e-apicli"
	testImage(t, viaAPI, image)
	stack := fmt.Sprintf("ac%d", time.Now().UnixNano()%1e6)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	docker := func(args ...string) string {
		t.Helper()
		out, err := viaCLI.output(ctx, viaCLI.cliCmd(ctx, args...), nil)
		if err != nil {
			t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, _ := viaCLI.output(ctx, viaCLI.cliCmd(ctx, "ps", "-a", "-q", "--filter", "label=devarch-e2e-apicli="+stack), nil)
		if ids := strings.Fields(out); len(ids) > 0 {
			_, _ = viaCLI.output(ctx, viaCLI.cliCmd(ctx, append([]string{"rm", "-f"}, ids...)...), nil)
		}
	})
	name := func(inst string) string { return core.ContainerName(stack, inst) }
	labels := func(inst string) []string {
		return []string{"--label", "devarch-e2e-apicli=" + stack,
			"--label", core.LabelManaged + "=true", "--label", core.LabelStack + "=" + stack,
			"--label", core.LabelInstance + "=" + inst, "--label", "extra=with space, and=equals"}
	}
	run := func(mode, inst string, args ...string) {
		t.Helper()
		a := append([]string{mode, "--name", name(inst)}, labels(inst)...)
		docker(append(a, args...)...)
	}
	run("run", "web", "-d", "-e", "LISTEN_PORTS=9090",
		"-p", "127.0.0.1::8080", "-p", "::9090", "-p", "127.0.0.1::5353/udp", "--expose", "7000", image)
	run("run", "sick", "-d", "--health-cmd", "/testprog health http://127.0.0.1:1/none",
		"--health-interval", "1s", "--health-retries", "1", image)
	run("run", "done", "-d", image, "env")
	run("run", "gone", "-d", "--health-cmd", "/testprog health http://127.0.0.1:1/none", "--health-interval", "1s", image, "env")
	run("create", "new", "-p", "127.0.0.1::8080", image)
	// Holds a name of the stack without its labels.
	docker("create", "--name", name("foreign"), "--label", "devarch-e2e-apicli="+stack, image)

	// Wait for the states the comparison is about.
	want := map[string][2]string{"web": {"running", ""}, "sick": {"running", "unhealthy"}, "done": {"exited", ""}, "gone": {"exited", ""}, "new": {"created", ""}}
	var got []Container
	for deadline := time.Now().Add(90 * time.Second); ; {
		got, err = viaCLI.Containers(ctx, stack)
		if err != nil {
			t.Fatal(err)
		}
		ok := len(got) == len(want)
		for _, c := range got {
			w := want[c.Instance()]
			ok = ok && c.State == w[0] && c.Health == w[1]
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("containers never reached %v: %+v", want, got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, c := range got {
		if c.Instance() == "web" && strings.Count(c.Ports, "->") < 3 {
			t.Fatalf("web publishes %q, want its three ports", c.Ports)
		}
	}

	t.Run("Containers", func(t *testing.T) {
		cli, err := viaCLI.Containers(ctx, stack)
		if err != nil {
			t.Fatal(err)
		}
		api, err := viaAPI.Containers(ctx, stack)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(api, cli) {
			t.Errorf("over the API:\n%+v\nthrough the CLI:\n%+v", api, cli)
		}
	})
	t.Run("ContainersNamed", func(t *testing.T) {
		names := []string{name("web"), "/" + name("done"), name("foreign"), name("missing")}
		cli, err := viaCLI.ContainersNamed(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		api, err := viaAPI.ContainersNamed(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		if len(cli) != 3 {
			t.Fatalf("the CLI found %d containers, want 3: %+v", len(cli), cli)
		}
		if !reflect.DeepEqual(api, cli) {
			t.Errorf("over the API:\n%+v\nthrough the CLI:\n%+v", api, cli)
		}
	})
	t.Run("ImageIDs", func(t *testing.T) {
		id := docker("image", "inspect", "--format", "{{.Id}}", image)
		refs := []string{image, "docker.io/library/" + image, id, strings.TrimPrefix(id, "sha256:")[:12],
			"localhost:5000/devarch-e2e-missing:1", "devarch-e2e-missing@sha256:" + strings.Repeat("0", 64),
			"example.com/devarch/e2e-missing:" + strings.Repeat("t", 128)}
		for _, one := range [][]string{refs, refs[:1], refs[4:5]} {
			cli, err := viaCLI.ImageIDs(ctx, one)
			if err != nil {
				t.Fatal(err)
			}
			api, err := viaAPI.ImageIDs(ctx, one)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(api, cli) {
				t.Errorf("ImageIDs(%q) over the API = %v, through the CLI = %v", one, api, cli)
			}
		}
		if cli, _ := viaCLI.ImageIDs(ctx, refs); len(cli) != 4 {
			t.Errorf("the CLI resolved %v, want the 4 refs of %s", cli, image)
		}
	})
}
