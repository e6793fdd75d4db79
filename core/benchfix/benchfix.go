// Package benchfix holds the realistic stack the benchmarks of core,
// core/compose, core/plan, core/devfile, store and secrets share, so every
// figure in BENCHMARKS.md is measured on the same data. Only _bench_test.go
// files import it; no command links it in.
package benchfix

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
)

// StackName is the name of the stack Stack returns.
const StackName = "shop"

// UserTemplates are the stack's three application templates (the other
// five instances use built-in templates): an API, a worker and a web
// front end, with secrets, config files, healthchecks, exports and
// imports of five contract types.
func UserTemplates() []core.Template {
	hc := func(cmd string) *core.Healthcheck {
		return &core.Healthcheck{
			Test:     []string{"CMD-SHELL", cmd},
			Interval: core.Duration(5 * time.Second), Timeout: core.Duration(3 * time.Second),
			StartPeriod: core.Duration(10 * time.Second), Retries: 5,
		}
	}
	return []core.Template{
		{
			Name: "shop-api", Description: "the shop's REST API",
			Image:   "registry.example.com/shop/api:2.3.1",
			Command: []string{"/app/api", "serve", "--listen", ":8080"},
			Restart: "unless-stopped",
			Env: map[string]core.EnvVar{
				"LOG_LEVEL":    {Value: "info"},
				"LOG_FORMAT":   {Value: "json"},
				"API_TOKEN":    {Value: "tok-0f9e8d7c6b5a4938", Secret: true},
				"JWT_SECRET":   {Value: "jwt-s3cr3t-abcdefghijklmnop", Secret: true},
				"FEATURE_FLAG": {Value: "checkout-v2,search-v3"},
			},
			Ports:       []core.Port{{Container: 8080}},
			Labels:      map[string]string{"com.example.team": "shop", "com.example.tier": "backend"},
			Healthcheck: hc("wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1"),
			Files: []core.ConfigFile{
				{Target: "/etc/shop/api.toml", Content: "[server]\nworkers = 4\ntimeout = \"30s\"\n\n[cache]\nttl = \"5m\"\n", Mode: 0o644},
			},
			Exports: []core.Export{{
				Name: "api", Type: core.ContractHTTP, Port: 8080,
				Env: map[string]string{"API_URL": "http://{{.Host}}:{{.Port}}", "API_HOST": "{{.Host}}"},
			}},
			Imports: []core.Import{
				{Name: "db", Type: core.ContractPostgres},
				{Name: "cache", Type: core.ContractRedis, Optional: true},
				{Name: "queue", Type: core.ContractAMQP},
				{Name: "mail", Type: core.ContractSMTP, Optional: true},
			},
		},
		{
			Name: "shop-worker", Description: "background jobs",
			Image:   "registry.example.com/shop/worker:2.3.1",
			Command: []string{"/app/worker", "--concurrency", "8"},
			Restart: "unless-stopped",
			Env: map[string]core.EnvVar{
				"LOG_LEVEL":   {Value: "info"},
				"CONCURRENCY": {Value: "8"},
			},
			Healthcheck: hc("/app/worker health"),
			Imports: []core.Import{
				{Name: "db", Type: core.ContractPostgres},
				{Name: "queue", Type: core.ContractAMQP},
				{Name: "cache", Type: core.ContractRedis, Optional: true},
			},
		},
		{
			Name: "shop-web", Description: "server-rendered front end",
			Image:       "registry.example.com/shop/web:5.0.2",
			Env:         map[string]core.EnvVar{"NODE_ENV": {Value: "development"}, "SESSION_KEY": {Value: "sess-9a8b7c6d5e4f", Secret: true}},
			Ports:       []core.Port{{Container: 3000}},
			Healthcheck: hc("wget -q -O /dev/null http://127.0.0.1:3000/ || exit 1"),
			Exports: []core.Export{{
				Name: "web", Type: core.ContractHTTP, Port: 3000,
				Env: map[string]string{"WEB_URL": "http://{{.Host}}:{{.Port}}"},
			}},
			Imports: []core.Import{{Name: "api", Type: core.ContractHTTP, Prefix: "BACKEND_"}},
		},
	}
}

// Templates are the built-in catalog plus UserTemplates, by name.
func Templates() map[string]core.Template {
	out := catalog.Builtin()
	for _, t := range UserTemplates() {
		out[t.Name] = t
	}
	return out
}

// Stack returns a realistic 8-instance stack: api, worker and web from
// UserTemplates; proxy (nginx), db (postgres), cache (redis), queue
// (rabbitmq) and mail (mailpit) from the catalog. It has 9 resolved
// wires (two explicit, because two instances export http), overrides of
// every common kind (env, secret env, tag, ports, volumes, a sensitive
// file, labels) and one compose fragment.
func Stack() core.Stack {
	return StackNamed(StackName)
}

// StackNamed is Stack under another name (and lineage).
func StackNamed(name string) core.Stack {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	in := func(name, tpl string, o core.Overrides) core.Instance {
		return core.Instance{Name: name, Template: tpl, Enabled: true, Overrides: o}
	}
	ports := func(ps ...core.Port) *[]core.Port { return &ps }
	tag := "16.4-alpine"
	return core.Stack{
		Name: name, Description: "orders, payments and the storefront", Environment: "dev",
		Lineage: "0123456789abcdef-" + name, Serial: 42, CreatedAt: now, UpdatedAt: now,
		Instances: []core.Instance{
			in("api", "shop-api", core.Overrides{
				Env:   map[string]core.EnvVar{"LOG_LEVEL": {Value: "debug"}, "STRIPE_KEY": {Value: "sk_test_51HxYzAbCdEf", Secret: true}},
				Ports: ports(core.Port{HostIP: "127.0.0.1", Host: 18080, Container: 8080}),
				Files: map[string]core.ConfigFile{
					"/etc/shop/tls.key": {Target: "/etc/shop/tls.key", Content: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", Sensitive: true},
				},
			}),
			in("cache", "redis", core.Overrides{Ports: ports(core.Port{HostIP: "127.0.0.1", Host: 16379, Container: 6379})}),
			in("db", "postgres", core.Overrides{
				Tag: &tag,
				Env: map[string]core.EnvVar{
					"POSTGRES_DB":       {Value: "shop"},
					"POSTGRES_PASSWORD": {Value: "pg-s3cret-hunter2", Secret: true},
				},
				Ports:   ports(core.Port{HostIP: "127.0.0.1", Host: 15432, Container: 5432}),
				Volumes: &[]core.Volume{{Source: "shop-pgdata", Target: "/var/lib/postgresql/data"}, {Source: "/srv/shop/seed", Target: "/docker-entrypoint-initdb.d", ReadOnly: true}},
			}),
			in("mail", "mailpit", core.Overrides{Ports: ports(core.Port{Container: 1025}, core.Port{HostIP: "127.0.0.1", Host: 18025, Container: 8025})}),
			in("proxy", "nginx", core.Overrides{
				Ports:  ports(core.Port{Host: 8088, Container: 80}),
				Labels: map[string]string{"com.example.public": "true"},
			}),
			in("queue", "rabbitmq", core.Overrides{Env: map[string]core.EnvVar{"RABBITMQ_DEFAULT_PASS": {Value: "mq-s3cret-pass", Secret: true}}}),
			in("web", "shop-web", core.Overrides{Env: map[string]core.EnvVar{"NODE_ENV": {Value: "production"}}}),
			in("worker", "shop-worker", core.Overrides{
				Env:     map[string]core.EnvVar{"CONCURRENCY": {Value: "16"}},
				Compose: "mem_limit: 512m\nstop_grace_period: 30s\n",
			}),
		},
		Wires: []core.Wire{
			{Consumer: "proxy", Import: "upstream", Provider: "web"},
			{Consumer: "web", Import: "api", Provider: "api"},
		},
	}
}

// Desired builds st with Templates; it panics on an error, which would be
// a broken fixture.
func Desired(st core.Stack) core.Desired {
	d, err := core.Build(st, Templates())
	if err != nil {
		panic(fmt.Sprintf("benchfix: build %s: %v", st.Name, err))
	}
	return d
}

// Changed returns a copy of d as if the user edited it since it was
// applied: a new image tag for api, a changed env value on worker and a
// changed host port on cache (serial bumped). Maps and slices are copied,
// so d is unchanged.
func Changed(d core.Desired) core.Desired {
	out := d
	out.Serial++
	out.Services = slices.Clone(d.Services)
	for i := range out.Services {
		s := &out.Services[i]
		s.Env = maps.Clone(s.Env)
		s.Ports = slices.Clone(s.Ports)
		switch s.Instance {
		case "api":
			s.Image = "registry.example.com/shop/api:2.4.0"
		case "worker":
			s.Env["CONCURRENCY"] = core.EnvVar{Value: "32"}
		case "cache":
			s.Ports[0].Host = 16380
		}
	}
	return out
}

// cellKinds are the instances of one cell of Wired, providers first, with
// the template each runs.
var cellKinds = []struct{ kind, template string }{
	{"db", "postgres"}, {"cache", "redis"}, {"queue", "rabbitmq"}, {"mail", "mailpit"},
	{"api", "shop-api"}, {"worker", "shop-worker"}, {"web", "shop-web"}, {"proxy", "nginx"},
}

// cellWires are the imports of a cell's instances and the kind of instance
// of the cell that provides each.
var cellWires = []struct{ consumer, imp, provider string }{
	{"api", "db", "db"}, {"api", "cache", "cache"}, {"api", "queue", "queue"}, {"api", "mail", "mail"},
	{"worker", "db", "db"}, {"worker", "queue", "queue"}, {"worker", "cache", "cache"},
	{"web", "api", "api"}, {"proxy", "upstream", "web"},
}

// Wired returns a stack of n instances (n >= 8) of the templates of
// Stack, in cells of eight (db, cache, queue, mail, api, worker, web,
// proxy, named KIND-CELL), every import wired explicitly to the provider
// of its own cell (of cell 0 when a last, partial cell lacks it). When
// portBase is not 0, each cell's proxy publishes host port
// portBase+cell on 127.0.0.1.
func Wired(name string, n, portBase int) core.Stack {
	if n < len(cellKinds) {
		panic(fmt.Sprintf("benchfix: Wired needs at least %d instances, got %d", len(cellKinds), n))
	}
	st := core.Stack{Name: name, Description: "a wired stack of many cells", Environment: "dev",
		Lineage: "fedcba9876543210-" + name, Serial: 1,
		CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	st.UpdatedAt = st.CreatedAt
	has := map[string]bool{}
	for i := range n {
		cell, k := i/len(cellKinds), cellKinds[i%len(cellKinds)]
		inst := core.Instance{Name: fmt.Sprintf("%s-%d", k.kind, cell), Template: k.template, Enabled: true}
		if k.kind == "proxy" && portBase != 0 {
			inst.Overrides.Ports = &[]core.Port{{HostIP: "127.0.0.1", Host: portBase + cell, Container: 80}}
		}
		if k.kind == "db" {
			inst.Overrides.Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: fmt.Sprintf("pg-s3cret-%d", cell), Secret: true}}
		}
		st.Instances = append(st.Instances, inst)
		has[inst.Name] = true
	}
	for cell := 0; cell*len(cellKinds) < n; cell++ {
		for _, w := range cellWires {
			consumer := fmt.Sprintf("%s-%d", w.consumer, cell)
			if !has[consumer] {
				continue
			}
			provider := fmt.Sprintf("%s-%d", w.provider, cell)
			if !has[provider] {
				provider = fmt.Sprintf("%s-0", w.provider)
			}
			st.Wires = append(st.Wires, core.Wire{Consumer: consumer, Import: w.imp, Provider: provider})
		}
	}
	return st
}

// Sizes are the instance counts the scaling benchmarks (Build, compose
// generation, plan) run at: each step multiplies the work, so a cost that
// grows linearly shows ns/op per instance staying flat.
var Sizes = []int{10, 100, 500, 2000}
