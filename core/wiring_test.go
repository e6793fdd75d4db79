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
		// multi exports two http contracts (and one more of another type).
		"multi": {Name: "multi", Image: "ghcr.io/example/multi:1",
			Exports: []Export{
				{Name: "web", Type: ContractHTTP, Port: 8080, Env: map[string]string{"UP_URL": "http://{{.Host}}:{{.Port}}"}},
				{Name: "admin", Type: ContractHTTP, Port: 9000, Env: map[string]string{"UP_URL": "http://{{.Host}}:{{.Port}}/admin"}},
				{Name: "metrics", Type: "x-metrics", Port: 9100},
			}},
		"httpd": {Name: "httpd", Image: "docker.io/library/httpd:2",
			Exports: []Export{{Name: "site", Type: ContractHTTP, Port: 80, Env: map[string]string{"UP_URL": "http://{{.Host}}:{{.Port}}"}}}},
		"gw": {Name: "gw", Image: "ghcr.io/example/gw:1",
			Imports: []Import{{Name: "up", Type: ContractHTTP}}},
		// selfish exports the contract it imports.
		"selfish": {Name: "selfish", Image: "ghcr.io/example/selfish:1",
			Exports: []Export{{Name: "peer", Type: "x-self", Port: 7000}},
			Imports: []Import{{Name: "peer", Type: "x-self"}}},
		"selfish-opt": {Name: "selfish-opt", Image: "ghcr.io/example/selfish:1",
			Exports: []Export{{Name: "peer", Type: "x-self", Port: 7000}},
			Imports: []Import{{Name: "peer", Type: "x-self", Optional: true}}},
	}
}

func inst(name, tpl string) Instance { return Instance{Name: name, Template: tpl, Enabled: true} }

func disabled(i Instance) Instance { i.Enabled = false; return i }

func wire(c, i, p string) Wire { return Wire{Consumer: c, Import: i, Provider: p} }

// wireExport is wire naming one of the provider's exports.
func wireExport(c, i, p, e string) Wire { return Wire{Consumer: c, Import: i, Provider: p, Export: e} }

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
			hint:       "declare that the new image speaks the template's contracts with `devarch instance set shop db --keep-exports`, or go back with `devarch instance reset shop db image`",
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
			name:       "auto-wiring never picks one of a provider's two exports of the type",
			instances:  []Instance{inst("p", "multi"), inst("c", "gw")},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "up", Type: ContractHTTP}},
			errs:       []string{"import up (http) is ambiguous: its only provider is instance p, which has 2 exports of type http (admin, web); pick one, e.g. devarch wire shop c.up p.admin"},
			hint:       "devarch wire shop c.up p.admin",
		},
		{
			name:      "an explicit wire naming the export picks it",
			instances: []Instance{inst("p", "multi"), inst("c", "gw")},
			wires:     []Wire{wireExport("c", "up", "p", "web")},
			want:      []ResolvedWire{{Consumer: "c", Import: "up", Type: ContractHTTP, Provider: "p", Export: "web"}},
		},
		{
			name:       "an explicit wire without an export to a provider with several of the type",
			instances:  []Instance{inst("p", "multi"), inst("c", "gw")},
			wires:      []Wire{wire("c", "up", "p")},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "up", Type: ContractHTTP}},
			errs:       []string{"import up (http) is wired to instance p, which has 2 exports of type http (admin, web); pick one, e.g. devarch wire shop c.up p.admin"},
			hint:       "devarch wire shop c.up p.admin",
		},
		{
			name:      "a wire without an export (as stored before exports were named) uses the only export of the type",
			instances: []Instance{inst("p", "multi"), inst("q", "httpd"), inst("c", "gw")},
			wires:     []Wire{wire("c", "up", "q")},
			want:      []ResolvedWire{{Consumer: "c", Import: "up", Type: ContractHTTP, Provider: "q", Export: "site"}},
		},
		{
			name:       "an explicit wire to an unknown export",
			instances:  []Instance{inst("p", "multi"), inst("c", "gw")},
			wires:      []Wire{wireExport("c", "up", "p", "nope")},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "up", Type: ContractHTTP}},
			errs:       []string{`import up (http) is wired to p.nope, but instance p has no export "nope" (its exports: admin (http), metrics (x-metrics), web (http))`},
		},
		{
			name:       "an explicit wire to an export of another type",
			instances:  []Instance{inst("p", "multi"), inst("c", "gw")},
			wires:      []Wire{wireExport("c", "up", "p", "metrics")},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "up", Type: ContractHTTP}},
			errs:       []string{"import up (http) is wired to p.metrics, which is a x-metrics contract, not http"},
		},
		{
			name:       "several candidates list every export a wire can pick, sorted",
			instances:  []Instance{inst("q", "httpd"), inst("p", "multi"), inst("c", "gw")},
			unresolved: []UnresolvedImport{{Consumer: "c", Import: "up", Type: ContractHTTP}},
			errs:       []string{"import up (http) is ambiguous: 2 instances export http (p.admin, p.web, q); pick one, e.g. devarch wire shop c.up p.admin"},
			hint:       "devarch wire shop c.up p.admin",
		},
		{
			name:       "an instance that exports what it imports is not its own provider",
			instances:  []Instance{inst("a", "selfish")},
			unresolved: []UnresolvedImport{{Consumer: "a", Import: "peer", Type: "x-self"}},
			errs:       []string{"instance a: required import peer (x-self) has no provider: instance a exports x-self itself, but an instance cannot be wired to itself, and no other enabled instance of stack shop exports x-self"},
		},
		{
			name:       "an optional self import stays unwired with a warning that says why",
			instances:  []Instance{inst("a", "selfish-opt")},
			unresolved: []UnresolvedImport{{Consumer: "a", Import: "peer", Type: "x-self", Optional: true}},
			warnings:   []string{"optional import peer (x-self) has no provider: instance a exports x-self itself, but an instance cannot be wired to itself"},
		},
		{
			name:      "two instances that export what they import wire to each other, a cycle",
			instances: []Instance{inst("a", "selfish"), inst("b", "selfish")},
			want: []ResolvedWire{
				{Consumer: "a", Import: "peer", Type: "x-self", Provider: "b", Export: "peer", Auto: true},
				{Consumer: "b", Import: "peer", Type: "x-self", Provider: "a", Export: "peer", Auto: true},
			},
			errs: []string{"wiring cycle: a -> b -> a"},
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

func TestWiringBreaks(t *testing.T) {
	withImage := func(i Instance, image string) Instance { i.Overrides.Image = ptr(image); return i }
	dropExports := func(name string) func(map[string]Template) {
		return func(tpls map[string]Template) { t := tpls[name]; t.Exports = nil; tpls[name] = t }
	}
	tests := []struct {
		name          string
		before, after Stack
		templates     func(map[string]Template) // changes the templates the after stack uses
		errs          []string                  // substrings, one per error, in order
		warns         []string
		hint          string // hint of the first error
	}{
		{
			name:   "removing the only provider of a required auto-wired import",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance web: required import db (postgres) has no provider: no enabled instance of stack shop exports postgres"},
		},
		{
			name:   "removing the only provider of a required explicitly wired import",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance web: required import db (postgres) has no provider"},
		},
		{
			name:   "removing the provider of an optional import is a warning",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("web", "web")}},
			warns:  []string{"instance web: optional import cache (redis) has no provider: no enabled instance of stack shop exports redis; it stays unwired"},
		},
		{
			name:   "removing an explicit provider when another one remains says where the import goes",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db2")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			warns:  []string{"instance web: import db (postgres) is now wired automatically to db; it was wired to db2"},
		},
		{
			name:   "a second provider makes an auto-wired import ambiguous; the hint keeps the current one",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db-copy", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"import db (postgres) is ambiguous: 2 instances export postgres (db, db-copy)"},
			hint:   "devarch wire shop web.db db",
		},
		{
			name:   "a second provider of an optional import is an error too: a plan refuses ambiguity",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("cache2", "redis"), inst("web", "web")}},
			errs:   []string{"import cache (redis) is ambiguous: 2 instances export redis (cache, cache2)"},
			hint:   "devarch wire shop web.cache cache",
		},
		{
			name:   "a second provider leaves an explicitly wired import alone",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
		},
		{
			name:      "a template that drops an export a required auto-wire uses",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			templates: dropExports("postgres"),
			errs:      []string{"required import db (postgres) has no provider"},
		},
		{
			name:      "a template that drops an export an explicit wire uses",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			templates: dropExports("postgres"),
			errs:      []string{"import db (postgres) is wired to instance db, which exports no postgres contract (it exports: nothing)"},
		},
		{
			name:      "a template that drops an export an optional import uses is a warning",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			templates: dropExports("redis"),
			warns:     []string{"optional import cache (redis) has no provider"},
		},
		{
			name:   "a template that gives the provider a second export of the type",
			before: Stack{Instances: []Instance{inst("q", "httpd"), inst("c", "gw")}},
			after:  Stack{Instances: []Instance{inst("q", "httpd"), inst("c", "gw")}},
			templates: func(tpls map[string]Template) {
				t := tpls["httpd"]
				t.Exports = append(slices.Clone(t.Exports), Export{Name: "admin", Type: ContractHTTP, Port: 81})
				tpls["httpd"] = t
			},
			errs: []string{"import up (http) is ambiguous: its only provider is instance q, which has 2 exports of type http (admin, site)"},
			hint: "devarch wire shop c.up q.site",
		},
		{
			name:   "a template that drops the export an explicit wire names",
			before: Stack{Instances: []Instance{inst("p", "multi"), inst("c", "gw")}, Wires: []Wire{wireExport("c", "up", "p", "admin")}},
			after:  Stack{Instances: []Instance{inst("p", "multi"), inst("c", "gw")}, Wires: []Wire{wireExport("c", "up", "p", "admin")}},
			templates: func(tpls map[string]Template) {
				t := tpls["multi"]
				t.Exports = slices.DeleteFunc(slices.Clone(t.Exports), func(e Export) bool { return e.Name == "admin" })
				tpls["multi"] = t
			},
			errs: []string{`import up (http) is wired to p.admin, but instance p has no export "admin" (its exports: metrics (x-metrics), web (http))`},
		},
		{
			name:   "an image override that leaves the provider's exports stale",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{withImage(inst("db", "postgres"), "ghcr.io/acme/pg:1"), inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance db overrides the image of template postgres without redeclaring its exports"},
			hint:   StaleExportsHint("shop", "db"),
		},
		{
			name:   "removing the consumer breaks nothing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis")}},
		},
		{
			name:   "disabling the consumer breaks nothing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), disabled(inst("web", "web"))}},
		},
		{
			name:   "an import that was already broken is not the change's doing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("db3", "postgres"), inst("cache", "redis"), inst("web", "web")}},
		},
		{
			name:   "a new consumer without a provider is not a break",
			before: Stack{Instances: []Instance{inst("cache", "redis")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.before.Name, tc.after.Name = "shop", "shop"
			before, _, _ := Resolve(tc.before, effective(t, tc.before))
			tpls := wiringTemplates()
			if tc.templates != nil {
				tc.templates(tpls)
			}
			errs, warns := WiringBreaks(before, tc.after, tpls)
			checkDiags(t, "errors", errs, tc.errs)
			checkDiags(t, "warnings", warns, tc.warns)
			if tc.hint != "" && firstHint(errs) != tc.hint {
				t.Errorf("hint = %q, want %q", firstHint(errs), tc.hint)
			}
			for _, d := range errs {
				if d.Severity != SeverityError {
					t.Errorf("error %v has severity %q", d, d.Severity)
				}
			}
			for _, d := range warns {
				if d.Severity != SeverityWarning {
					t.Errorf("warning %v has severity %q", d, d.Severity)
				}
			}
		})
	}
}
