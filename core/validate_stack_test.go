package core

import (
	"strings"
	"testing"
)

func stackTemplates() map[string]Template {
	pg := validTemplate()
	api := Template{
		Name: "api", Image: "registry.example.com/shop/api:1.0",
		Ports:   []Port{{Host: 8080, Container: 8080}},
		Imports: []Import{{Name: "db", Type: ContractPostgres}},
	}
	return map[string]Template{"postgres": pg, "api": api}
}

func vptr[T any](v T) *T { return &v }

func validStack() Stack {
	return Stack{
		Name: "shop",
		Instances: []Instance{
			{Name: "api", Template: "api", Enabled: true},
			{Name: "db", Template: "postgres", Enabled: true},
		},
		Wires: []Wire{{Consumer: "api", Import: "db", Provider: "db"}},
	}
}

func TestValidateStack(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Stack)
		field  string // "" means valid
		rule   string
	}{
		{"valid", func(*Stack) {}, "", ""},
		{"overrides", func(s *Stack) {
			o := &s.Instances[1].Overrides
			o.Image = vptr("ghcr.io/example/pg:1")
			o.Exports = &[]Export{{Name: "pg", Type: ContractPostgres, Port: 5432}}
			o.Tag = vptr("sha256:" + strings.Repeat("0", 64))
			o.Ports = &[]Port{{HostIP: "127.0.0.1", Host: 15432, Container: 5432}}
			o.Files = map[string]ConfigFile{"/etc/x.conf": {Target: "/etc/x.conf", Content: "x"}}
			o.Compose = "shm_size: 256m\nlabels:\n  team: core\n"
		}, "", ""},
		{"disabled instances may share a host port", func(s *Stack) {
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api"})
		}, "", ""},
		{"different host IPs do not conflict", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "127.0.0.1", Host: 8080, Container: 8080}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "127.0.0.2", Host: 8080, Container: 8080}}}})
		}, "", ""},
		{"udp and tcp do not conflict", func(s *Stack) {
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{Host: 8080, Container: 8080, Protocol: "udp"}}}})
		}, "", ""},
		{"stack name", func(s *Stack) { s.Name = "Shop_1" }, "stack.name", "lowercase"},
		{"instance name", func(s *Stack) { s.Instances[0].Name = "API"; s.Wires = nil }, "instances.API", "DNS label"},
		{"container name too long", func(s *Stack) {
			s.Name = strings.Repeat("s", 40)
			s.Instances[0].Name = strings.Repeat("a", 20)
			s.Wires = nil
		}, "instances." + strings.Repeat("a", 20), "69 characters; the limit is 63"},
		{"duplicate instance", func(s *Stack) { s.Instances = append(s.Instances, s.Instances[1]) }, "instances.db", "duplicate instance name"},
		{"unknown template", func(s *Stack) { s.Instances[1].Template = "nope" }, "instances.db.template", `unknown template "nope"`},
		{"join own network", func(s *Stack) { s.JoinNetworks = []string{"shop"} }, "stack.join_networks[0]", "own network"},
		{"join bad name", func(s *Stack) { s.JoinNetworks = []string{"Other"} }, "stack.join_networks[0]", "DNS label"},
		{"join twice", func(s *Stack) { s.JoinNetworks = []string{"other", "other"} }, "stack.join_networks[1]", "twice"},
		{"override image", func(s *Stack) { s.Instances[1].Overrides.Image = vptr("postgres") }, "instances.db.image", "fully qualified"},
		{"override tag", func(s *Stack) { s.Instances[1].Overrides.Tag = vptr("bad tag") }, "instances.db.tag", "not a tag"},
		{"override restart", func(s *Stack) { s.Instances[1].Overrides.Restart = vptr("on-failure:x") }, "instances.db.restart", "restart policy"},
		{"override env", func(s *Stack) { s.Instances[1].Overrides.Env = map[string]EnvVar{"A B": {}} }, "instances.db.env.A B", "environment variable"},
		{"override unset env", func(s *Stack) { s.Instances[1].Overrides.UnsetEnv = []string{"="} }, "instances.db.unset_env[0]", "environment variable"},
		{"unset breaks export", func(s *Stack) { s.Instances[1].Overrides.UnsetEnv = []string{"POSTGRES_USER"} }, "instances.db.unset_env", `breaks export "postgres"`},
		{"override label", func(s *Stack) { s.Instances[1].Overrides.Labels = map[string]string{"devarch.managed": "false"} }, "instances.db.labels.devarch.managed", "reserved"},
		{"override port", func(s *Stack) { s.Instances[1].Overrides.Ports = &[]Port{{Host: 1, Container: 70000}} }, "instances.db.ports[0]", "1-65535"},
		{"override volume", func(s *Stack) { s.Instances[1].Overrides.Volumes = &[]Volume{{Source: "data", Target: "rel"}} }, "instances.db.volumes[0]", "absolute"},
		{"override healthcheck", func(s *Stack) { s.Instances[1].Overrides.Healthcheck = &Healthcheck{Test: []string{"SHELL", "x"}} }, "instances.db.healthcheck.test", "CMD, CMD-SHELL or NONE"},
		{"override file target", func(s *Stack) {
			s.Instances[1].Overrides.Files = map[string]ConfigFile{"/etc/../x": {Target: "/etc/../x"}}
		}, "instances.db.files[/etc/../x].target", "clean"},
		{"override file key mismatch", func(s *Stack) {
			s.Instances[1].Overrides.Files = map[string]ConfigFile{"/etc/a": {Target: "/etc/b"}}
		}, "instances.db.files[/etc/a].target", "differs"},
		{"override domains", func(s *Stack) { s.Instances[1].Overrides.Domains = &[]string{"a..b"} }, "instances.db.domains[0]", "DNS name"},
		{"override exports", func(s *Stack) {
			s.Instances[1].Overrides.Exports = &[]Export{{Name: "pg", Type: "pg", Port: 5432}}
		}, "instances.db.exports[0].type", "unknown contract type"},
		{"override export env", func(s *Stack) {
			s.Instances[1].Overrides.Exports = &[]Export{{Name: "pg", Type: ContractPostgres, Port: 5432, Env: map[string]string{"U": "{{.Env.NOPE}}"}}}
		}, "instances.db.exports[0].env.U", "does not render"},
		{"override imports", func(s *Stack) {
			s.Instances[0].Overrides.Imports = &[]Import{{Name: "db", Type: ContractPostgres, Prefix: "db"}}
		}, "instances.api.imports[0].prefix", "env prefix"},
		{"compose not a mapping", func(s *Stack) { s.Instances[1].Overrides.Compose = "- a\n- b\n" }, "instances.db.compose", "YAML mapping"},
		{"compose invalid yaml", func(s *Stack) { s.Instances[1].Overrides.Compose = "a: [" }, "instances.db.compose", "YAML mapping"},
		{"compose container_name", func(s *Stack) { s.Instances[1].Overrides.Compose = "container_name: x\n" }, "instances.db.compose", `"container_name"`},
		{"compose networks", func(s *Stack) { s.Instances[1].Overrides.Compose = "networks: [other]\n" }, "instances.db.compose", `"networks"`},
		{"compose profiles", func(s *Stack) { s.Instances[1].Overrides.Compose = "profiles: [debug]\n" }, "instances.db.compose", `"profiles"`},
		{"compose network_mode", func(s *Stack) { s.Instances[1].Overrides.Compose = "network_mode: host\n" }, "instances.db.compose", `"network_mode"`},
		{"compose devarch label map", func(s *Stack) { s.Instances[1].Overrides.Compose = "labels:\n  devarch.stack: x\n" }, "instances.db.compose", "devarch.stack"},
		{"compose devarch label list", func(s *Stack) { s.Instances[1].Overrides.Compose = "labels: [\"devarch.lineage=x\"]\n" }, "instances.db.compose", "devarch.lineage"},
		{"port conflict", func(s *Stack) {
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true})
		}, "instances.api2.ports[0]", "host port 8080/tcp is also published by instance api"},
		{"port conflict wildcard vs IP", func(s *Stack) {
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "127.0.0.1", Host: 8080, Container: 8080}}}})
		}, "instances.api2.ports[0]", "127.0.0.1:8080/tcp is also published by instance api"},
		{"port conflict v6 wildcard", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "::", Host: 8080, Container: 8080}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "::1", Host: 8080, Container: 8080}}}})
		}, "instances.api2.ports[0]", "instance api"},
		{"wire unknown consumer", func(s *Stack) { s.Wires[0].Consumer = "web" }, "wires[0].consumer", `no instance "web"`},
		{"wire unknown provider", func(s *Stack) { s.Wires[0].Provider = "pg" }, "wires[0].provider", `no instance "pg"`},
		{"wire unknown import", func(s *Stack) { s.Wires[0].Import = "cache" }, "wires[0].import", `has no import "cache" (its imports: db)`},
		{"wire self", func(s *Stack) { s.Wires[0] = Wire{Consumer: "db", Import: "cache", Provider: "db"} }, "wires[0].provider", "itself"},
		{"wire twice", func(s *Stack) { s.Wires = append(s.Wires, s.Wires[0]) }, "wires[1]", "already wired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := validStack()
			tt.mutate(&st)
			err := ValidateStack(st, stackTemplates())
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid stack refused: %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func TestValidateStackCollectsAll(t *testing.T) {
	st := validStack()
	st.Name = "Bad"
	st.Instances[1].Template = "nope"
	st.Wires[0].Import = "x"
	fes := AsFieldErrors(ValidateStack(st, stackTemplates()))
	if len(fes) != 3 {
		t.Fatalf("want 3 errors, got %d: %v", len(fes), fes)
	}
	if fes[1].Hint == "" {
		t.Errorf("unknown template error has no hint: %+v", fes[1])
	}
}
