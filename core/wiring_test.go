package core

import (
	"slices"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// wiringTemplates is a small catalog for wiring tests.
func wiringTemplates() map[string]Template {
	return map[string]Template{
		"postgres": {
			Name:  "postgres",
			Image: "docker.io/library/postgres:16",
			Env: map[string]EnvVar{
				"POSTGRES_USER":     {Value: "app"},
				"POSTGRES_PASSWORD": {Value: "tpl-pass", Secret: true},
				"POSTGRES_DB":       {Value: "app"},
			},
			Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "pg_isready -U app"}},
			Exports: []Export{{
				Name: "postgres", Type: ContractPostgres, Port: 5432,
				Env: map[string]string{
					"DATABASE_URL": "postgres://{{.Env.POSTGRES_USER}}:{{.Env.POSTGRES_PASSWORD}}@{{.Host}}:{{.Port}}/{{.Env.POSTGRES_DB}}",
					"DB_HOST":      "{{.Host}}",
					"DB_PORT":      "{{.Port}}",
					"DB_USER":      "{{.Env.POSTGRES_USER}}",
					"DB_PASSWORD":  `{{index .Env "POSTGRES_PASSWORD"}}`,
				},
			}},
		},
		"redis": {
			Name:    "redis",
			Image:   "docker.io/library/redis:7",
			Exports: []Export{{Name: "redis", Type: ContractRedis, Port: 6379, Env: map[string]string{"REDIS_URL": "redis://{{.Host}}:{{.Port}}"}}},
		},
		"web": {
			Name:  "web",
			Image: "docker.io/library/nginx:1.27",
			Imports: []Import{
				{Name: "db", Type: ContractPostgres},
				{Name: "cache", Type: ContractRedis, Optional: true},
			},
		},
		"report": {
			Name:    "report",
			Image:   "ghcr.io/example/report:1",
			Imports: []Import{{Name: "main", Type: ContractPostgres, Prefix: "MAIN_"}, {Name: "audit", Type: ContractPostgres, Prefix: "AUDIT_"}},
		},
		"search": {Name: "search", Image: "docker.io/library/opensearch:2",
			Exports: []Export{{Name: "search", Type: "x-search", Port: 9200, Env: map[string]string{"SEARCH_URL": "http://{{.Host}}:{{.Port}}"}}}},
		"indexer": {Name: "indexer", Image: "ghcr.io/example/indexer:1",
			Imports: []Import{{Name: "search", Type: "x-search"}}},
		"svc-a": {Name: "svc-a", Image: "ghcr.io/example/a:1",
			Exports: []Export{{Name: "api", Type: ContractHTTP, Port: 8080, Env: map[string]string{"A_URL": "http://{{.Host}}:{{.Port}}"}}},
			Imports: []Import{{Name: "grpc", Type: ContractGRPC}}},
		"svc-b": {Name: "svc-b", Image: "ghcr.io/example/b:1",
			Exports: []Export{{Name: "rpc", Type: ContractGRPC, Port: 9090, Env: map[string]string{"B_ADDR": "{{.Host}}:{{.Port}}"}}},
			Imports: []Import{{Name: "amqp", Type: ContractAMQP}}},
		"svc-c": {Name: "svc-c", Image: "ghcr.io/example/c:1",
			Exports: []Export{{Name: "queue", Type: ContractAMQP, Port: 5672, Env: map[string]string{"C_URL": "amqp://{{.Host}}:{{.Port}}"}}},
			Imports: []Import{{Name: "http", Type: ContractHTTP}}},
	}
}

func inst(name, tpl string) Instance { return Instance{Name: name, Template: tpl, Enabled: true} }

func disabled(i Instance) Instance { i.Enabled = false; return i }

func wire(c, i, p string) Wire { return Wire{Consumer: c, Import: i, Provider: p} }

// effective merges st's instances with the wiring test templates.
func effective(t *testing.T, st Stack) []Service {
	t.Helper()
	tpls := wiringTemplates()
	var out []Service
	for _, in := range st.Instances {
		tpl, ok := tpls[in.Template]
		if !ok {
			t.Fatalf("test template %q missing", in.Template)
		}
		out = append(out, Merge(tpl, in))
	}
	return out
}

func TestResolve(t *testing.T) {
	imageOverride := inst("db", "postgres")
	imageOverride.Overrides.Image = ptr("docker.io/library/mysql:8")
	redeclared := imageOverride
	redeclared.Overrides.Exports = &[]Export{{Name: "pg", Type: ContractPostgres, Port: 5432}}

	tests := []struct {
		name       string
		instances  []Instance
		wires      []Wire
		want       []ResolvedWire
		unresolved []UnresolvedImport
		errs       []string // substrings, one per error diagnostic, in order
		warnings   []string
		hint       string // hint of the first error
	}{
		{
			name:      "auto with one provider",
			instances: []Instance{inst("db", "postgres"), inst("web", "web")},
			want:      []ResolvedWire{{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "postgres", Auto: true}},
			unresolved: []UnresolvedImport{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Optional: true},
			},
			warnings: []string{"optional import cache (redis) has no provider"},
		},
		{
			name:      "explicit wins over auto",
			instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:     []Wire{wire("web", "db", "db2")},
			want: []ResolvedWire{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true},
				{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db2", Export: "postgres", Auto: false},
			},
		},
		{
			name:      "explicit wins even with a single candidate",
			instances: []Instance{inst("db", "postgres"), inst("web", "web")},
			wires:     []Wire{wire("web", "db", "db")},
			want:      []ResolvedWire{{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "postgres"}},
			unresolved: []UnresolvedImport{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Optional: true},
			},
			warnings: []string{"optional import cache (redis)"},
		},
		{
			name:       "ambiguity lists every candidate sorted and the wire command",
			instances:  []Instance{inst("zeta", "postgres"), inst("alpha", "postgres"), inst("mid", "postgres"), inst("cache", "redis"), inst("web", "web")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"import db (postgres) is ambiguous: 3 instances export postgres (alpha, mid, zeta); pick one, e.g. devarch wire shop web.db alpha"},
			hint:       "devarch wire shop web.db alpha",
		},
		{
			name:       "missing required provider is an error",
			instances:  []Instance{inst("cache", "redis"), inst("web", "web")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"required import db (postgres) has no provider: no enabled instance of stack shop exports postgres"},
		},
		{
			name:      "missing optional provider is a warning and unresolved",
			instances: []Instance{inst("db", "postgres"), inst("web", "web")},
			want:      []ResolvedWire{{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "postgres", Auto: true}},
			unresolved: []UnresolvedImport{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Optional: true},
			},
			warnings: []string{"optional import cache (redis) has no provider: no enabled instance of stack shop exports redis; it stays unwired"},
		},
		{
			name:       "stale exports after image override name both sides",
			instances:  []Instance{imageOverride, inst("cache", "redis"), inst("web", "web")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"instance db overrides the image of template postgres without redeclaring its exports; consumer web imports postgres as db"},
			hint:       "devarch instance reset shop db image",
		},
		{
			name:       "stale exports behind an explicit wire",
			instances:  []Instance{imageOverride, inst("cache", "redis"), inst("web", "web")},
			wires:      []Wire{wire("web", "db", "db")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"instance db overrides the image of template postgres without redeclaring its exports; consumer web imports postgres as db"},
		},
		{
			name:      "redeclared exports after image override wire fine",
			instances: []Instance{redeclared, inst("cache", "redis"), inst("web", "web")},
			want: []ResolvedWire{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true},
				{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "pg", Auto: true},
			},
		},
		{
			name:       "explicit wire to an instance without that export type",
			instances:  []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:      []Wire{wire("web", "db", "cache")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"import db (postgres) is wired to instance cache, which exports no postgres contract (it exports: redis)"},
		},
		{
			name:      "disabled provider is not a candidate",
			instances: []Instance{disabled(inst("db", "postgres")), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")},
			want: []ResolvedWire{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true},
				{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db2", Export: "postgres", Auto: true},
			},
		},
		{
			name:       "only provider disabled leaves a required import unresolved",
			instances:  []Instance{disabled(inst("db", "postgres")), inst("cache", "redis"), inst("web", "web")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"required import db (postgres) has no provider"},
		},
		{
			name:       "explicit wire to a disabled provider",
			instances:  []Instance{disabled(inst("db", "postgres")), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:      []Wire{wire("web", "db", "db")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{"import db (postgres) is wired to instance db, which is disabled"},
		},
		{
			name:       "explicit wire to an unknown provider",
			instances:  []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:      []Wire{wire("web", "db", "ghost")},
			want:       []ResolvedWire{{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true}},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "db", Type: ContractPostgres}},
			errs:       []string{`import db (postgres) is wired to "ghost", which is not an instance of stack shop`},
		},
		{
			name:      "explicit wires of an unknown consumer or import",
			instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:     []Wire{wire("ghost", "db", "db"), wire("web", "queue", "cache")},
			want: []ResolvedWire{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true},
				{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "postgres", Auto: true},
			},
			errs: []string{
				`wire ghost.db -> db: consumer "ghost" is not an instance of stack shop`,
				`wire web.queue -> cache: instance web has no import "queue" (imports: cache, db)`,
			},
		},
		{
			name:      "the same import wired twice keeps the first wire",
			instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")},
			wires:     []Wire{wire("web", "db", "db"), wire("web", "db", "db2")},
			want: []ResolvedWire{
				{Consumer: "web", Import: "cache", Type: ContractRedis, Provider: "cache", Export: "redis", Auto: true},
				{Consumer: "web", Import: "db", Type: ContractPostgres, Provider: "db", Export: "postgres"},
			},
			errs: []string{"wire web.db -> db2: import web.db is already wired to db; an import has one provider"},
		},
		{
			name:      "explicit wire to the consumer itself",
			instances: []Instance{inst("a", "svc-a"), inst("b", "svc-b"), inst("c", "svc-c")},
			wires:     []Wire{wire("c", "http", "c")},
			want: []ResolvedWire{
				{Consumer: "a", Import: "grpc", Type: ContractGRPC, Provider: "b", Export: "rpc", Auto: true},
				{Consumer: "b", Import: "amqp", Type: ContractAMQP, Provider: "c", Export: "queue", Auto: true},
			},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "http", Type: ContractHTTP}},
			errs:       []string{"import http (http) is wired to instance c itself; a provider must be another instance"},
		},
		{
			name:      "user-declared contract type auto-wires",
			instances: []Instance{inst("os", "search"), inst("idx", "indexer")},
			want:      []ResolvedWire{{Consumer: "idx", Import: "search", Type: "x-search", Provider: "os", Export: "search", Auto: true}},
		},
		{
			name:      "disabled consumer is not wired",
			instances: []Instance{inst("db", "postgres"), disabled(inst("web", "web"))},
			wires:     []Wire{wire("web", "db", "db")},
		},
		{
			name:      "provider never wires to itself",
			instances: []Instance{inst("a", "svc-a"), inst("b", "svc-b"), inst("c", "svc-c"), inst("a2", "svc-a")},
			wires:     []Wire{wire("c", "http", "a")},
			want: []ResolvedWire{
				{Consumer: "a", Import: "grpc", Type: ContractGRPC, Provider: "b", Export: "rpc", Auto: true},
				{Consumer: "a2", Import: "grpc", Type: ContractGRPC, Provider: "b", Export: "rpc", Auto: true},
				{Consumer: "b", Import: "amqp", Type: ContractAMQP, Provider: "c", Export: "queue", Auto: true},
				{Consumer: "c", Import: "http", Type: ContractHTTP, Provider: "a", Export: "api", Auto: false},
			},
			errs: []string{"wiring cycle: a -> b -> c -> a"},
		},
		{
			name:       "all errors are collected",
			instances:  []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("web", "web"), inst("web2", "web")},
			unresolved: []UnresolvedImport{{Consumer: "web", Import: "cache", Type: ContractRedis, Optional: true}, {Consumer: "web", Import: "db", Type: ContractPostgres}, {Consumer: "web2", Import: "cache", Type: ContractRedis, Optional: true}, {Consumer: "web2", Import: "db", Type: ContractPostgres}},
			errs:       []string{"web.db db", "web2.db db"},
			warnings:   []string{"cache (redis)", "cache (redis)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: tc.instances, Wires: tc.wires}
			wires, unresolved, diags := Resolve(st, effective(t, st))
			if !slices.Equal(wires, tc.want) {
				t.Errorf("wires:\n got %+v\nwant %+v", wires, tc.want)
			}
			if !slices.Equal(unresolved, tc.unresolved) {
				t.Errorf("unresolved:\n got %+v\nwant %+v", unresolved, tc.unresolved)
			}
			var errs, warns []Diagnostic
			for _, d := range diags {
				if d.Severity == SeverityError {
					errs = append(errs, d)
				} else {
					warns = append(warns, d)
				}
			}
			checkDiags(t, "errors", errs, tc.errs)
			checkDiags(t, "warnings", warns, tc.warnings)
			if tc.hint != "" && (len(errs) == 0 || errs[0].Hint != tc.hint) {
				t.Errorf("hint = %q, want %q", firstHint(errs), tc.hint)
			}
		})
	}
}

func firstHint(ds []Diagnostic) string {
	if len(ds) == 0 {
		return ""
	}
	return ds[0].Hint
}

func checkDiags(t *testing.T, what string, got []Diagnostic, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d %v, want %d %q", what, len(got), got, len(want), want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i].Error(), want[i]) {
			t.Errorf("%s[%d] = %q, want it to contain %q", what, i, got[i].Error(), want[i])
		}
	}
}

func TestResolveStaleNamesBothSides(t *testing.T) {
	db := inst("db", "postgres")
	db.Overrides.Image = ptr("docker.io/library/mysql:8")
	st := Stack{Name: "shop", Instances: []Instance{db, inst("cache", "redis"), inst("web", "web")}}
	_, _, diags := Resolve(st, effective(t, st))
	if len(diags) != 1 {
		t.Fatalf("diags = %v", diags)
	}
	msg := diags[0].Error()
	for _, want := range []string{"instance db", "template postgres", "consumer web"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not name %q", msg, want)
		}
	}
}
