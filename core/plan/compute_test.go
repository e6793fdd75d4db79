package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

const (
	testLineage = "lin-1"
	secretPass  = "s3cr3t-hunter2-pw"
	secretNew   = "n3w-s3cr3t-pw-xyz"
)

func svc(name, image string) core.WiredService {
	return core.WiredService{Service: core.Service{
		Instance: name, Template: name, Enabled: true, Image: image,
		Env: map[string]core.EnvVar{"MODE": {Value: "dev"}},
	}}
}

func desired(serial uint64, svcs ...core.WiredService) core.Desired {
	return core.Desired{Stack: "shop", Lineage: testLineage, Serial: serial, Services: svcs}
}

func running(inst, image string) LiveContainer {
	return LiveContainer{Name: core.ContainerName("shop", inst), Instance: inst, State: "running", Image: image, Lineage: testLineage}
}

func ptr[T any](v T) *T { return &v }

func perService(d core.Desired) core.Desired {
	d.ComposeMode = core.ComposeModePerService
	return d
}

func withReplicas(s core.WiredService, n int) core.WiredService {
	s.Replicas = &n
	return s
}

func with(s core.WiredService, f func(*core.WiredService)) core.WiredService {
	s.Env = map[string]core.EnvVar{}
	for k, v := range svc(s.Instance, s.Image).Env {
		s.Env[k] = v
	}
	f(&s)
	return s
}

func TestComputeActions(t *testing.T) {
	db := svc("db", "docker.io/library/postgres:16")
	api := svc("api", "docker.io/acme/api:1")
	tests := []struct {
		name    string
		in      Input
		want    map[string]Action // instance -> action
		reasons map[string]string // instance -> reason substring
		network Action
	}{
		{
			name:    "first apply creates everything",
			in:      Input{Desired: desired(1, api, db)},
			want:    map[string]Action{"api": Create, "db": Create},
			network: Create,
		},
		{
			name: "unchanged is empty",
			in: Input{Desired: desired(2, api, db), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want: map[string]Action{},
		},
		{
			name: "removed instance is deleted",
			in: Input{Desired: desired(2, api), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want:    map[string]Action{"db": Delete},
			reasons: map[string]string{"db": ReasonRemoved},
		},
		{
			name: "disabled instance is deleted",
			in: Input{Desired: desired(2, api, with(db, func(s *core.WiredService) { s.Enabled = false })), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want:    map[string]Action{"db": Delete},
			reasons: map[string]string{"db": ReasonDisabled},
		},
		{
			name: "config change is an update",
			in: Input{Desired: desired(2, api, with(db, func(s *core.WiredService) { s.Ports = []core.Port{{Host: 5433, Container: 5432}} })),
				Applied: ptr(desired(1, api, db)),
				Live:    []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want: map[string]Action{"db": Update},
		},
		{
			name: "image change is a replace",
			in: Input{Desired: desired(2, api, with(db, func(s *core.WiredService) { s.Image = "docker.io/library/postgres:17" })),
				Applied: ptr(desired(1, api, db)),
				Live:    []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want:    map[string]Action{"db": Replace},
			reasons: map[string]string{"db": ReasonImageChanged},
		},
		{
			name: "missing container is created",
			in: Input{Desired: desired(1, api, db), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image)}},
			want:    map[string]Action{"db": Create},
			reasons: map[string]string{"db": ReasonMissing},
		},
		{
			name: "exited container is updated",
			in: Input{Desired: desired(1, api, db), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), {Name: "devarch-shop-db", Instance: "db", State: "exited", Lineage: testLineage}}},
			want:    map[string]Action{"db": Update},
			reasons: map[string]string{"db": "container exited (drift)"},
		},
		{
			name: "switching compose mode updates every running instance once",
			in: Input{Desired: perService(desired(2, api, db)), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want: map[string]Action{"api": Update, "db": Update},
		},
		{
			name: "on a swarm the compose mode changes nothing",
			in: Input{Desired: perService(desired(2, api, db)), Applied: ptr(desired(1, api, db)), Runtime: "swarm",
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want: map[string]Action{},
		},
		{
			name: "an instance scaled to zero replicas runs no container: no drift",
			in: Input{Desired: desired(1, api, withReplicas(db, 0)), Applied: ptr(desired(1, api, withReplicas(db, 0))),
				Live: []LiveContainer{running("api", api.Image)}},
			want: map[string]Action{},
		},
		{
			name: "every replica running is no change",
			in: Input{Desired: desired(1, api, withReplicas(db, 3)), Applied: ptr(desired(1, api, withReplicas(db, 3))),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image), running("db", db.Image), running("db", db.Image)}},
			want: map[string]Action{},
		},
		{
			name: "a replica missing is drift, counted",
			in: Input{Desired: desired(1, api, withReplicas(db, 3)), Applied: ptr(desired(1, api, withReplicas(db, 3))),
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image),
					{Name: "devarch-shop-db", Instance: "db", State: "exited", Lineage: testLineage}, running("db", db.Image)}},
			want:    map[string]Action{"db": Update},
			reasons: map[string]string{"db": "2 of 3 replicas running (drift)"},
		},
		{
			name: "container of an earlier lineage is replaced",
			in: Input{Desired: desired(1, api, db), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image), {Name: "devarch-shop-db", Instance: "db", State: "running", Lineage: "old"}}},
			want:    map[string]Action{"db": Replace},
			reasons: map[string]string{"db": "lineage old"},
		},
		{
			name:    "running but never recorded is updated",
			in:      Input{Desired: desired(1, api), Live: []LiveContainer{running("api", api.Image)}},
			want:    map[string]Action{"api": Update},
			reasons: map[string]string{"api": ReasonUnrecorded},
		},
		{
			name: "unrecorded leftover is deleted",
			in: Input{Desired: desired(1, api), Applied: ptr(desired(1, api)),
				Live: []LiveContainer{running("api", api.Image), {Name: "devarch-shop-old", State: "running"}}},
			want:    map[string]Action{"old": Delete},
			reasons: map[string]string{"old": ReasonUnrecorded},
		},
		{
			name: "applied but already gone is no change",
			in: Input{Desired: desired(2, api), Applied: ptr(desired(1, api, db)),
				Live: []LiveContainer{running("api", api.Image)}},
			want: map[string]Action{},
		},
		{
			name: "everything removed deletes the network",
			in: Input{Desired: desired(2), Applied: ptr(desired(1, api)),
				Live: []LiveContainer{running("api", api.Image)}},
			want:    map[string]Action{"api": Delete},
			network: Delete,
		},
		{
			name: "destroy deletes every live container",
			in: Input{Desired: desired(1, api, db), Applied: ptr(desired(1, api, db)), Destroy: true,
				Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}},
			want:    map[string]Action{"api": Delete, "db": Delete},
			reasons: map[string]string{"api": ReasonDestroy},
			network: Delete,
		},
		{
			name: "destroy of a stack never applied is empty",
			in:   Input{Desired: desired(1, api, db), Destroy: true},
			want: map[string]Action{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(tt.in)
			got := map[string]Action{}
			for _, c := range p.Changes {
				got[c.Instance] = c.Action
				if c.Container != core.ContainerName("shop", c.Instance) {
					t.Errorf("container of %s = %q", c.Instance, c.Container)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("actions = %v, want %v", got, tt.want)
			}
			for inst, r := range tt.reasons {
				for _, c := range p.Changes {
					if c.Instance == inst && !strings.Contains(c.Reason, r) {
						t.Errorf("reason of %s = %q, want it to contain %q", inst, c.Reason, r)
					}
				}
			}
			if p.Network != tt.network {
				t.Errorf("network = %q, want %q", p.Network, tt.network)
			}
			if p.Empty() != (len(tt.want) == 0 && tt.network == NoOp) {
				t.Errorf("Empty() = %v", p.Empty())
			}
			var sum Summary
			for _, a := range tt.want {
				switch a {
				case Create:
					sum.Create++
				case Update:
					sum.Update++
				case Replace:
					sum.Replace++
				case Delete:
					sum.Delete++
				}
			}
			if p.Summary != sum {
				t.Errorf("summary = %+v, want %+v", p.Summary, sum)
			}
			for i := 1; i < len(p.Changes); i++ {
				if p.Changes[i-1].Instance >= p.Changes[i].Instance {
					t.Errorf("changes not sorted: %s before %s", p.Changes[i-1].Instance, p.Changes[i].Instance)
				}
			}
		})
	}
}

func TestComputeFieldChanges(t *testing.T) {
	base := svc("db", "docker.io/library/postgres:16")
	base.Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: secretPass, Secret: true}
	base.Ports = []core.Port{{Host: 5432, Container: 5432}}
	tests := []struct {
		name   string
		change func(s *core.WiredService, d *core.Desired)
		want   []FieldChange
	}{
		{"ports", func(s *core.WiredService, _ *core.Desired) {
			s.Ports = []core.Port{{HostIP: "127.0.0.1", Host: 5433, Container: 5432, Protocol: "udp"}}
		}, []FieldChange{{Field: "ports", Old: "5432:5432", New: "127.0.0.1:5433:5432/udp"}}},
		{"env value", func(s *core.WiredService, _ *core.Desired) { s.Env["MODE"] = core.EnvVar{Value: "prod"} },
			[]FieldChange{{Field: "env.MODE", Old: `"dev"`, New: `"prod"`}}},
		{"env added and removed", func(s *core.WiredService, _ *core.Desired) {
			delete(s.Env, "MODE")
			s.Env["NEW"] = core.EnvVar{Value: "x"}
		}, []FieldChange{{Field: "env.MODE", Old: `"dev"`}, {Field: "env.NEW", New: `"x"`}}},
		{"secret env", func(s *core.WiredService, _ *core.Desired) {
			s.Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: secretNew, Secret: true}
		}, []FieldChange{{Field: "env.POSTGRES_PASSWORD", Old: core.Redacted, New: core.Redacted, Secret: true}}},
		{"secret inside a command", func(s *core.WiredService, _ *core.Desired) {
			s.Command = []string{"postgres", "--password=" + secretPass}
		}, []FieldChange{{Field: "command", New: core.Redacted, Secret: true}}},
		{"command and user", func(s *core.WiredService, _ *core.Desired) {
			s.Command = []string{"postgres", "-c", "fsync=off"}
			s.User = "999"
		}, []FieldChange{{Field: "command", New: `["postgres", "-c", "fsync=off"]`}, {Field: "user", New: "999"}}},
		{"labels", func(s *core.WiredService, _ *core.Desired) { s.Labels = map[string]string{"team": "a"} },
			[]FieldChange{{Field: "labels.team", New: `"a"`}}},
		{"volumes", func(s *core.WiredService, _ *core.Desired) {
			s.Volumes = []core.Volume{{Source: "data", Target: "/var/lib/postgresql/data", ReadOnly: true}}
		}, []FieldChange{{Field: "volumes", New: "data:/var/lib/postgresql/data:ro"}}},
		{"healthcheck", func(s *core.WiredService, _ *core.Desired) {
			s.Healthcheck = &core.Healthcheck{Test: []string{"CMD-SHELL", "pg_isready"}, Retries: 5}
		}, []FieldChange{{Field: "healthcheck", New: "CMD-SHELL pg_isready (retries 5)"}}},
		{"plain file", func(s *core.WiredService, _ *core.Desired) {
			s.Files = []core.ConfigFile{{Target: "/etc/a.conf", Content: "x=1"}}
		}, []FieldChange{{Field: "files./etc/a.conf", New: "sha256:" + shortHash("x=1") + ", mode 0644"}}},
		{"sensitive file", func(s *core.WiredService, _ *core.Desired) {
			s.Files = []core.ConfigFile{{Target: "/etc/pw", Content: secretNew, Sensitive: true}}
		}, []FieldChange{{Field: "files./etc/pw", New: core.Redacted, Secret: true}}},
		{"depends_on", func(s *core.WiredService, _ *core.Desired) {
			s.DependsOn = []core.Dependency{{Instance: "cache"}, {Instance: "mq", Healthy: true}}
		}, []FieldChange{{Field: "depends_on", New: "cache, mq (healthy)"}}},
		{"declared depends_on", func(s *core.WiredService, _ *core.Desired) {
			s.DependsOn = []core.Dependency{{Instance: "migrate", Condition: core.ConditionCompleted, Restart: true}, {Instance: "mq", Optional: true}}
		}, []FieldChange{{Field: "depends_on", New: "migrate (completed, restart), mq (optional)"}}},
		{"build added", func(s *core.WiredService, _ *core.Desired) {
			s.Build = &core.ImageBuild{Context: "/src/db", Target: "dev"}
		}, []FieldChange{{Field: "build", New: "/src/db (target dev)"}}},
		{"networks", func(_ *core.WiredService, d *core.Desired) { d.JoinNetworks = []string{"blog"} },
			[]FieldChange{{Field: "networks", Old: "devarch-shop-net", New: "devarch-shop-net, devarch-blog-net"}}},
		{"image", func(s *core.WiredService, _ *core.Desired) { s.Image = "docker.io/library/postgres:17" },
			[]FieldChange{{Field: "image", Old: "docker.io/library/postgres:16", New: "docker.io/library/postgres:17"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := desired(1, base)
			d := desired(2, cloneSvc(base))
			tt.change(&d.Services[0], &d)
			p := Compute(Input{Desired: d, Applied: &old, Live: []LiveContainer{running("db", base.Image)}})
			if len(p.Changes) != 1 {
				t.Fatalf("changes = %+v, want one", p.Changes)
			}
			if got := p.Changes[0].Fields; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields = %+v\nwant     %+v", got, tt.want)
			}
			// Desired holds the secrets until redacted; the whole View never.
			assertNoSecret(t, map[string]any{"changes": p.Changes, "warnings": p.Warnings, "basis": p.Basis})
			assertNoSecret(t, Redact(p))
		})
	}
}

func TestComputeBuildFieldChanges(t *testing.T) {
	base := svc("api", "devarch-shop-api:latest")
	base.Build = &core.ImageBuild{Context: "/src/api", Args: map[string]string{"GO": "1.23", "OLD": "x"}, Image: base.Image}
	next := cloneSvc(base)
	next.Build = &core.ImageBuild{Context: "/src/api2", Dockerfile: "Dockerfile.dev", Args: map[string]string{"GO": "1.24", "NEW": "y"}, Image: base.Image}
	old := desired(1, base)
	p := Compute(Input{Desired: desired(2, next), Applied: &old, Live: []LiveContainer{running("api", base.Image)}})
	if len(p.Changes) != 1 {
		t.Fatalf("changes = %+v, want one", p.Changes)
	}
	want := []FieldChange{
		{Field: "build.context", Old: "/src/api", New: "/src/api2"},
		{Field: "build.dockerfile", New: "Dockerfile.dev"},
		{Field: "build.args.GO", Old: `"1.23"`, New: `"1.24"`},
		{Field: "build.args.NEW", New: `"y"`},
		{Field: "build.args.OLD", Old: `"x"`},
	}
	if got := p.Changes[0].Fields; !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %+v\nwant     %+v", got, want)
	}
	gone := cloneSvc(base)
	gone.Build, gone.Image = nil, "docker.io/acme/api:1"
	p = Compute(Input{Desired: desired(2, gone), Applied: &old, Live: []LiveContainer{running("api", base.Image)}})
	if len(p.Changes) != 1 || !slices.ContainsFunc(p.Changes[0].Fields, func(f FieldChange) bool {
		return f.Field == "build" && f.Old == "/src/api" && f.New == ""
	}) {
		t.Errorf("dropping the build: %+v", p.Changes)
	}
}

func cloneSvc(s core.WiredService) core.WiredService {
	env := map[string]core.EnvVar{}
	for k, v := range s.Env {
		env[k] = v
	}
	s.Env = env
	return s
}

// assertNoSecret fails when a secret value appears in the JSON of v.
func assertNoSecret(t *testing.T, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secretPass, secretNew} {
		if strings.Contains(string(data), s) {
			t.Errorf("secret %q appears in the plan: %s", s, data)
		}
	}
}

func TestRedact(t *testing.T) {
	db := svc("db", "docker.io/library/postgres:16")
	db.Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: secretPass, Secret: true}
	db.Files = []core.ConfigFile{{Target: "/run/pw", Content: secretNew, Sensitive: true}}
	db.Command = []string{"postgres", "--pw=" + secretPass}
	db.Compose = "environment:\n  X: " + secretPass + "\n"
	db.Labels = map[string]string{"pw": secretPass}
	api := svc("api", "docker.io/acme/api:1")
	api.Env["DATABASE_URL"] = core.EnvVar{Value: "postgres://u:" + secretPass + "@devarch-shop-db/app"}
	p := Compute(Input{Desired: desired(1, api, db)})
	p.Warnings = append(p.Warnings, "note mentioning "+secretPass)

	r := Redact(p)
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secretPass, secretNew} {
		if strings.Contains(string(data), s) {
			t.Errorf("secret %q appears in the redacted plan: %s", s, data)
		}
	}
	rd := r.Desired.Desired()
	rs, _ := rd.Service("db")
	if rs.Env["POSTGRES_PASSWORD"].Value != core.Redacted || !rs.Env["POSTGRES_PASSWORD"].Secret {
		t.Errorf("redacted secret env = %+v", rs.Env["POSTGRES_PASSWORD"])
	}
	if rs.Files[0].Content != core.Redacted {
		t.Errorf("redacted sensitive file = %q", rs.Files[0].Content)
	}
	if rs.Env["MODE"].Value != "dev" || rs.Image != db.Image {
		t.Errorf("non-secret values changed: %+v", rs)
	}
	// The original keeps its values: apply needs them.
	os, _ := p.Desired.Service("db")
	if os.Env["POSTGRES_PASSWORD"].Value != secretPass || os.Files[0].Content != secretNew || os.Labels["pw"] != secretPass {
		t.Error("Redact modified its argument")
	}
}

func TestComputeWiresAndWarnings(t *testing.T) {
	d := desired(1, svc("api", "docker.io/acme/api:1"), svc("db", "docker.io/library/postgres:16"))
	d.Wires = []core.ResolvedWire{{Consumer: "api", Import: "db", Type: core.ContractPostgres, Provider: "db", Export: "postgres", Auto: true}}
	d.Warnings = []core.Diagnostic{{Severity: core.SeverityWarning, Instance: "api", Message: "optional import cache has no provider"}}
	applied := d
	p := Compute(Input{Desired: d, Applied: &applied, Live: []LiveContainer{running("api", "x")}})
	if !reflect.DeepEqual(p.Wires, d.Wires) {
		t.Errorf("wires = %+v", p.Wires)
	}
	want := []string{
		"instance api: optional import cache has no provider",
		"instance db: " + ReasonMissing + "; apply will converge it",
	}
	if !reflect.DeepEqual(p.Warnings, want) {
		t.Errorf("warnings = %q\nwant %q", p.Warnings, want)
	}
	if p.Stack != "shop" || p.Lineage != testLineage || p.Serial != 1 {
		t.Errorf("stamp = %s %s %d", p.Stack, p.Lineage, p.Serial)
	}
}

func BenchmarkCompute(b *testing.B) {
	var svcs []core.WiredService
	var live []LiveContainer
	for i := range 50 {
		s := svc(fmt.Sprintf("svc%02d", i), "docker.io/library/redis:7")
		s.Env["PASSWORD"] = core.EnvVar{Value: fmt.Sprintf("pw-%d", i), Secret: true}
		s.Ports = []core.Port{{Host: 10000 + i, Container: 6379}}
		s.Labels = map[string]string{"team": "a"}
		s.Healthcheck = &core.Healthcheck{Test: []string{"CMD", "redis-cli", "ping"}}
		svcs = append(svcs, s)
		live = append(live, running(s.Instance, s.Image))
	}
	old := desired(1, svcs...)
	next := desired(2)
	for i, s := range svcs {
		s = cloneSvc(s)
		if i%2 == 0 {
			s.Env["MODE"] = core.EnvVar{Value: "prod"}
		}
		next.Services = append(next.Services, s)
	}
	in := Input{Desired: next, Applied: &old, Live: live}
	b.ReportAllocs()
	for b.Loop() {
		p := Compute(in)
		if p.Summary.Update != 25 {
			b.Fatalf("summary = %+v", p.Summary)
		}
	}
}

func TestFilesChangedReason(t *testing.T) {
	got := filesChanged([]FieldChange{
		{Field: "files./etc/a.conf", Old: "sha256:1", New: "sha256:2"},
		{Field: "files./etc/new.conf", New: "sha256:3"},
		{Field: "files./run/pw", Old: core.Redacted, New: core.Redacted, Secret: true},
		{Field: "env.X", Old: `"1"`, New: `"2"`},
	})
	want := []string{"file /etc/a.conf changed", "file /run/pw changed"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("filesChanged = %q, want %q", got, want)
	}
}
