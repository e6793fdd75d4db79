package compose

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// testTemplates is a small catalog: two providers and a consumer.
func testTemplates() map[string]core.Template {
	return map[string]core.Template{
		"postgres": {
			Name:  "postgres",
			Image: "docker.io/library/postgres:16",
			Env: map[string]core.EnvVar{
				"POSTGRES_USER":     {Value: "app"},
				"POSTGRES_PASSWORD": {Value: "devpass", Secret: true},
				"POSTGRES_DB":       {Value: "app"},
			},
			Ports:   []core.Port{{Host: 5432, Container: 5432}},
			Volumes: []core.Volume{{Source: "pgdata", Target: "/var/lib/postgresql/data"}},
			Healthcheck: &core.Healthcheck{
				Test:     []string{"CMD-SHELL", "pg_isready -U app"},
				Interval: core.Duration(5 * time.Second), Timeout: core.Duration(3 * time.Second), Retries: 10,
			},
			Exports: []core.Export{{
				Name: "postgres", Type: core.ContractPostgres, Port: 5432,
				Env: map[string]string{
					"DATABASE_URL": "postgres://{{.Env.POSTGRES_USER}}:{{.Env.POSTGRES_PASSWORD}}@{{.Host}}:{{.Port}}/{{.Env.POSTGRES_DB}}",
					"DB_HOST":      "{{.Host}}",
					"DB_PORT":      "{{.Port}}",
				},
			}},
		},
		"redis": {
			Name:    "redis",
			Image:   "docker.io/library/redis:7",
			Command: []string{"redis-server", "--appendonly", "yes"},
			Exports: []core.Export{{Name: "redis", Type: core.ContractRedis, Port: 6379,
				Env: map[string]string{"REDIS_URL": "redis://{{.Host}}:{{.Port}}/0"}}},
		},
		"api": {
			Name:    "api",
			Image:   "ghcr.io/example/api:1.4",
			Restart: "unless-stopped",
			Env:     map[string]core.EnvVar{"LOG_LEVEL": {Value: "info"}},
			Ports:   []core.Port{{Host: 8080, Container: 8080}},
			Labels:  map[string]string{"com.example.team": "shop"},
			Imports: []core.Import{
				{Name: "db", Type: core.ContractPostgres},
				{Name: "cache", Type: core.ContractRedis, Optional: true},
			},
		},
		"nginx": {
			Name:       "nginx",
			Image:      "docker.io/library/nginx:1.27",
			Entrypoint: []string{"/docker-entrypoint.sh"},
			Command:    []string{"nginx", "-g", "daemon off;"},
			User:       "101:101",
			Files: []core.ConfigFile{
				{Target: "/etc/nginx/conf.d/default.conf", Content: "server { listen 80; }\n"},
			},
		},
	}
}

func inst(name, tpl string) core.Instance {
	return core.Instance{Name: name, Template: tpl, Enabled: true}
}

func build(t testing.TB, st core.Stack) core.Desired {
	t.Helper()
	d, err := core.Build(st, testTemplates())
	if err != nil {
		t.Fatalf("build %s: %v", st.Name, err)
	}
	return d
}

func shopStack(name string) core.Stack {
	return core.Stack{
		Name: name, Lineage: "lin-" + name, Serial: 3,
		Instances: []core.Instance{inst("db", "postgres"), inst("cache", "redis"), inst("api", "api")},
	}
}

// labStack exercises every feature: a disabled instance, config files
// (one sensitive), user labels (one trying to shadow a devarch label), a
// healthcheck override, named and bind volumes, ports with host IP and
// protocol, a compose fragment, "$" in values and a joined network.
func labStack() core.Stack {
	db := inst("db", "postgres")
	db.Overrides.Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "s3cr$t", Secret: true}}
	db.Overrides.Healthcheck = &core.Healthcheck{
		Test:     []string{"CMD", "pg_isready", "-U", "app"},
		Interval: core.Duration(2 * time.Second), StartPeriod: core.Duration(10 * time.Second), Retries: 3,
	}
	db.Overrides.Volumes = &[]core.Volume{
		{Source: "labdata", Target: "/var/lib/postgresql/data"},
		{Source: "/srv/seed", Target: "/docker-entrypoint-initdb.d", ReadOnly: true},
	}
	db.Overrides.Labels = map[string]string{"com.example.tier": "data", core.LabelStack: "spoofed"}
	web := inst("web", "nginx")
	web.Overrides.Ports = &[]core.Port{
		{HostIP: "127.0.0.1", Host: 8443, Container: 443},
		{Host: 5353, Container: 53, Protocol: "udp"},
		{Container: 9000},
	}
	web.Overrides.Files = map[string]core.ConfigFile{
		"/run/secrets/token": {Target: "/run/secrets/token", Content: "tok-123", Sensitive: true},
	}
	web.Overrides.Compose = "mem_limit: 256m\nlabels:\n  com.example.from-fragment: \"yes\"\n"
	old := inst("old", "api")
	old.Enabled = false
	return core.Stack{
		Name: "lab", Lineage: "lin-lab", Serial: 9, JoinNetworks: []string{"shop"},
		Instances: []core.Instance{db, web, old},
	}
}

type goldenCase struct {
	name  string
	stack core.Stack
	opt   Options
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{"shop", shopStack("shop"), Options{FilesDir: "/home/dev/.devarch/stacks/shop"}},
		{"blog", shopStack("blog"), Options{FilesDir: "/home/dev/.devarch/stacks/blog"}},
		{"lab", labStack(), Options{FilesDir: "/home/dev/.devarch/stacks/lab"}},
		{"lab-secrets", labStack(), Options{FilesDir: "/home/dev/.devarch/stacks/lab", ShowSecrets: true}},
	}
}

func goldenPath(name string) string { return filepath.Join("testdata", name+".golden") }

func TestGenerateGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Generate(build(t, tc.stack), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Generate(build(t, tc.stack), tc.opt)
			if err != nil || !bytes.Equal(got, again) {
				t.Fatalf("output is not deterministic (err %v)", err)
			}
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(goldenPath(tc.name), got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenPath(tc.name))
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", goldenPath(tc.name), got)
			}
		})
	}
}

// load reads a golden file with compose-go, validation and normalization
// on, as docker compose would.
func load(t *testing.T, file, project string) *types.Project {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName(project, true)
		o.SkipValidation = false
		o.SkipNormalization = false
		o.SkipConsistencyCheck = false
	})
	if err != nil {
		t.Fatalf("compose-go refuses %s: %v", file, err)
	}
	return p
}

func TestGoldenLoadsInComposeGo(t *testing.T) {
	cases := map[string]goldenCase{}
	for _, tc := range goldenCases() {
		cases[goldenPath(tc.name)] = tc
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tc, ok := cases[file]
			if !ok {
				t.Fatalf("%s belongs to no golden case; remove it", file)
			}
			st := tc.stack
			p := load(t, file, core.ProjectName(st.Name))
			if p.Name != "devarch-"+st.Name {
				t.Errorf("project name = %q", p.Name)
			}
			net := "devarch-" + st.Name + "-net"
			var netKey string
			for k, n := range p.Networks {
				if n.Name == net {
					netKey = k
				}
			}
			if netKey == "" || bool(p.Networks[netKey].External) {
				t.Fatalf("network %s missing or external: %+v", net, p.Networks)
			}
			nl := p.Networks[netKey].Labels
			if nl[core.LabelManaged] != "true" || nl[core.LabelStack] != st.Name || nl[core.LabelLineage] != st.Lineage {
				t.Errorf("network labels = %v", nl)
			}
			for _, other := range st.JoinNetworks {
				found := false
				for _, n := range p.Networks {
					found = found || (n.Name == core.NetworkName(other) && bool(n.External))
				}
				if !found {
					t.Errorf("joined network of %s missing or not external", other)
				}
			}
			var enabled []string
			for _, in := range st.Instances {
				if in.Enabled {
					enabled = append(enabled, in.Name)
				}
			}
			slices.Sort(enabled)
			if names := p.ServiceNames(); !slices.Equal(sorted(names), enabled) {
				t.Errorf("services = %v, want the enabled instances %v", names, enabled)
			}
			for _, name := range enabled {
				svc := p.Services[name]
				if svc.ContainerName != "devarch-"+st.Name+"-"+name {
					t.Errorf("%s container_name = %q", name, svc.ContainerName)
				}
				in, _ := st.Instance(name)
				want := map[string]string{
					core.LabelManaged: "true", core.LabelStack: st.Name, core.LabelInstance: name,
					core.LabelTemplate: in.Template, core.LabelLineage: st.Lineage,
				}
				for k, v := range want {
					if svc.Labels[k] != v {
						t.Errorf("%s label %s = %q, want %q", name, k, svc.Labels[k], v)
					}
				}
				sn, ok := svc.Networks[netKey]
				if !ok || sn == nil || !slices.Contains(sn.Aliases, name) {
					t.Errorf("%s does not join %s with alias %s: %+v", name, net, name, svc.Networks)
				}
			}
		})
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestGoldenRoundTripValues(t *testing.T) {
	p := load(t, goldenPath("lab-secrets"), "devarch-lab")
	db := p.Services["db"]
	if v := db.Environment["POSTGRES_PASSWORD"]; v == nil || *v != "s3cr$t" {
		t.Errorf("secret with $ does not round-trip: %v", v)
	}
	if db.HealthCheck == nil || !slices.Equal(db.HealthCheck.Test, []string{"CMD", "pg_isready", "-U", "app"}) {
		t.Errorf("healthcheck override = %+v", db.HealthCheck)
	}
	web := p.Services["web"]
	if web.Labels["com.example.from-fragment"] != "yes" {
		t.Errorf("fragment label missing: %v", web.Labels)
	}
	if web.MemLimit != 256*1024*1024 {
		t.Errorf("fragment mem_limit = %d", web.MemLimit)
	}
	redacted := load(t, goldenPath("lab"), "devarch-lab")
	if v := redacted.Services["db"].Environment["POSTGRES_PASSWORD"]; v == nil || *v != core.Redacted {
		t.Errorf("redacted secret = %v", v)
	}
	if _, ok := redacted.Volumes["labdata"]; !ok {
		t.Errorf("named volume not declared: %v", redacted.Volumes)
	}
}

// TestStacksIsolated checks that two stacks built from the same templates
// share no container name, network or (network, alias) pair.
func TestStacksIsolated(t *testing.T) {
	projects := map[string]*types.Project{}
	for _, name := range []string{"shop", "blog"} {
		p, err := Project(build(t, shopStack(name)), Options{FilesDir: "/x"})
		if err != nil {
			t.Fatal(err)
		}
		projects[name] = p
	}
	type seen struct{ containers, networks, aliases map[string]string }
	s := seen{map[string]string{}, map[string]string{}, map[string]string{}}
	claim := func(m map[string]string, key, owner string) {
		if prev, dup := m[key]; dup && prev != owner {
			t.Errorf("%s is used by stacks %s and %s", key, prev, owner)
		}
		m[key] = owner
	}
	for stack, p := range projects {
		if p.Name != core.ProjectName(stack) {
			t.Errorf("project %s named %s", stack, p.Name)
		}
		for _, n := range p.Networks {
			claim(s.networks, n.Name, stack)
		}
		for _, svc := range p.Services {
			claim(s.containers, svc.ContainerName, stack)
			for key, sn := range svc.Networks {
				if sn == nil {
					continue
				}
				for _, a := range sn.Aliases {
					claim(s.aliases, p.Networks[key].Name+"/"+a, stack)
				}
			}
		}
	}
	if len(s.containers) != 6 || len(s.networks) != 2 || len(s.aliases) != 6 {
		t.Errorf("containers %v networks %v aliases %v", s.containers, s.networks, s.aliases)
	}
}
