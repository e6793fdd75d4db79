package core

import (
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
