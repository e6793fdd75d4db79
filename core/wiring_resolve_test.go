package core

import (
	"slices"
	"strings"
	"testing"
)

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
