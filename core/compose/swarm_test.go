package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// swarmShop is the shop stack as run on a swarm: api with 2 replicas on a
// random host port, db with its healthcheck, cache restarted on failure.
func swarmShop() core.Stack {
	st := shopStack("shop")
	api, _ := st.Instance("api")
	api.Overrides.Replicas = intp(2)
	api.Overrides.Ports = &[]core.Port{{Container: 8080}}
	cache, _ := st.Instance("cache")
	cache.Overrides.Restart = vptr("on-failure:3")
	return st
}

func vptr[T any](v T) *T { return &v }

const swarmGolden = "testdata/shop.swarm.yml"

func TestGenerateSwarmGolden(t *testing.T) {
	d := build(t, swarmShop())
	got, err := GenerateSwarm(d, SwarmOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := GenerateSwarm(d, SwarmOptions{})
	if !bytes.Equal(got, again) {
		t.Fatal("output is not deterministic")
	}
	if *update {
		if err := os.WriteFile(swarmGolden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(swarmGolden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", swarmGolden, got)
	}
}

func TestGenerateSwarm(t *testing.T) {
	d := build(t, swarmShop())
	out, err := GenerateSwarm(d, SwarmOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var f swarmFile
	if err := yaml.Unmarshal(out, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != SwarmVersion {
		t.Errorf("version %q", f.Version)
	}
	net := f.Networks[core.NetworkName("shop")]
	if net.Driver != "overlay" || !net.Attachable || net.Labels[core.LabelStack] != "shop" || net.Labels[core.LabelManaged] != "true" {
		t.Errorf("stack network = %+v, want a labeled attachable overlay", net)
	}
	for _, name := range []string{"api", "db", "cache"} {
		s, ok := f.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if s.Labels[core.LabelInstance] != name || s.Deploy.Labels[core.LabelInstance] != name || s.Deploy.Labels[core.LabelStack] != "shop" {
			t.Errorf("%s labels: container %v, service %v; want devarch labels on both", name, s.Labels, s.Deploy.Labels)
		}
		if _, user := s.Deploy.Labels["com.example.team"]; user {
			t.Errorf("%s service labels carry a user label: %v", name, s.Deploy.Labels)
		}
		if s.Deploy.EndpointMode != core.EndpointDNSRR {
			t.Errorf("%s endpoint_mode %q, want dnsrr by default", name, s.Deploy.EndpointMode)
		}
		u := s.Deploy.UpdateConfig
		if u == nil || u.FailureAction != "rollback" || u.Order == "" || s.Deploy.RollbackConfig == nil {
			t.Errorf("%s update/rollback config = %+v / %+v", name, u, s.Deploy.RollbackConfig)
		}
		aliases := s.Networks[core.NetworkName("shop")].Aliases
		if !slices.Equal(aliases, []string{name, core.ContainerName("shop", name)}) {
			t.Errorf("%s aliases %v", name, aliases)
		}
	}
	if r := f.Services["api"].Deploy.Replicas; r == nil || *r != 2 {
		t.Errorf("api replicas = %v, want 2", r)
	}
	if p := f.Services["api"].Ports; len(p) != 1 || p[0].Mode != "host" || p[0].Published != 0 || p[0].Target != 8080 {
		t.Errorf("api ports = %+v, want 8080 in host mode on a random host port", p)
	}
	if p := f.Services["db"].Ports; len(p) != 1 || p[0].Mode != "host" || p[0].Published != 5432 {
		t.Errorf("db ports = %+v", p)
	}
	if h := f.Services["db"].Healthcheck; h == nil || h.Interval != "5s" || h.Retries == nil || *h.Retries != 10 {
		t.Errorf("db healthcheck = %+v", h)
	}
	if rp := f.Services["cache"].Deploy.RestartPolicy; rp == nil || rp.Condition != "on-failure" || rp.MaxAttempts == nil || *rp.MaxAttempts != 3 {
		t.Errorf("cache restart policy = %+v, want on-failure, 3 attempts", rp)
	}
	if rp := f.Services["api"].Deploy.RestartPolicy; rp == nil || rp.Condition != "any" {
		t.Errorf("api (unless-stopped) restart policy = %+v, want any", rp)
	}
	if _, ok := f.Volumes["db-pgdata"]; !ok {
		t.Errorf("volumes = %v, want db-pgdata", f.Volumes)
	}
	for _, banned := range []string{"container_name", "depends_on", "create_host_path", "\nname:", "restart:"} {
		if strings.Contains(string(out), banned) {
			t.Errorf("swarm file writes %q, which docker stack deploy refuses or ignores:\n%s", banned, out)
		}
	}
	if env := f.Services["api"].Environment; env["DB_HOST"] != core.ContainerName("shop", "db") {
		t.Errorf("api DB_HOST = %q, want the db alias devarch-shop-db", env["DB_HOST"])
	}
}

func TestGenerateSwarmEndpointVIP(t *testing.T) {
	st := swarmShop()
	st.EndpointMode = core.EndpointVIP
	out, err := GenerateSwarm(build(t, st), SwarmOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var f swarmFile
	if err := yaml.Unmarshal(out, &f); err != nil {
		t.Fatal(err)
	}
	if m := f.Services["db"].Deploy.EndpointMode; m != core.EndpointVIP {
		t.Errorf("endpoint_mode %q, want vip", m)
	}
}

func TestGenerateSwarmRefusals(t *testing.T) {
	tests := []struct {
		name       string
		fragment   string
		localImage func(string, string) bool
		field      string // "" means accepted
		rule       string
	}{
		{"fragment", "mem_limit: 64m\n", nil, "instances.api.compose", "mem_limit"},
		{"build, no hook", "build: /src/api\n", nil, "instances.api.build", "cannot build"},
		{"build, image elsewhere", "build: /src/api\n", func(string, string) bool { return false }, "instances.api.build", "push"},
		{"build, image on the only node", "build: /src/api\n", func(inst, image string) bool {
			return inst == "api" && image == "ghcr.io/example/api:1.4"
		}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := shopStack("shop")
			api, _ := st.Instance("api")
			api.Overrides.Compose = tc.fragment
			out, err := GenerateSwarm(build(t, st), SwarmOptions{Options: Options{FilesDir: filepath.FromSlash("/srv/shop")}, LocalImage: tc.localImage})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(out), "build") {
					t.Errorf("swarm file keeps the build:\n%s", out)
				}
				return
			}
			for _, fe := range core.AsFieldErrors(err) {
				if fe.Field == tc.field && (strings.Contains(fe.Rule, tc.rule) || strings.Contains(fe.Hint, tc.rule)) {
					return
				}
			}
			t.Fatalf("err = %v, want %s: %s", err, tc.field, tc.rule)
		})
	}
}
