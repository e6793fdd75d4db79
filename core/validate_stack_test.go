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
		{"override file inside a template file", func(s *Stack) {
			s.Instances[1].Overrides.Files = map[string]ConfigFile{"/etc/postgresql/extra.conf/x": {Content: "x"}}
		}, "instances.db.files[/etc/postgresql/extra.conf/x].target", `inside "/etc/postgresql/extra.conf"`},
		{"override files nested", func(s *Stack) {
			s.Instances[0].Overrides.Files = map[string]ConfigFile{"/a": {Content: "x"}, "/a/b": {Content: "y"}}
		}, "instances.api.files[/a].target", `holds "/a/b"`},
		{"override file target element too long", func(s *Stack) {
			target := "/" + strings.Repeat("a", 256)
			s.Instances[1].Overrides.Files = map[string]ConfigFile{target: {Content: "x"}}
		}, "instances.db.files[/" + strings.Repeat("a", 256) + "].target", "255 bytes"},
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
		// text values: valid UTF-8 without NUL, never echoed
		{"override env not UTF-8", func(s *Stack) {
			s.Instances[0].Overrides.Env = map[string]EnvVar{"TOKEN": {Value: "s3cr\xff", Secret: true}}
		}, "instances.api.env.TOKEN", "value is not valid UTF-8 text"},
		{"override env NUL", func(s *Stack) {
			s.Instances[0].Overrides.Env = map[string]EnvVar{"TOKEN": {Value: "s3cr\x00et"}}
		}, "instances.api.env.TOKEN", "value contains a NUL byte"},
		{"override label value NUL", func(s *Stack) {
			s.Instances[0].Overrides.Labels = map[string]string{"team": "a\x00"}
		}, "instances.api.labels.team", "value contains a NUL byte"},
		{"override file not UTF-8", func(s *Stack) {
			s.Instances[0].Overrides.Files = map[string]ConfigFile{"/etc/x.bin": {Target: "/etc/x.bin", Content: "\x89PNG\x00\xff"}}
		}, "instances.api.files[/etc/x.bin]", "content is not valid UTF-8 text; config files are text (mount binary files with --volume)"},
		{"override file NUL", func(s *Stack) {
			s.Instances[0].Overrides.Files = map[string]ConfigFile{"/etc/x.conf": {Content: "a=1\x00"}}
		}, "instances.api.files[/etc/x.conf]", "content contains a NUL byte"},
		{"override command NUL", func(s *Stack) { s.Instances[0].Overrides.Command = &[]string{"run", "\x00"} }, "instances.api.command[1]", "NUL"},
		{"override entrypoint not UTF-8", func(s *Stack) { s.Instances[0].Overrides.Entrypoint = &[]string{"\xff"} }, "instances.api.entrypoint[0]", "UTF-8"},
		{"compose NUL", func(s *Stack) { s.Instances[0].Overrides.Compose = "environment:\n  A: \"x\\0y\"\n" }, "instances.api.compose", "NUL byte"},
		// command/entrypoint: an explicit empty list clears the image's
		{"override command cleared", func(s *Stack) { s.Instances[0].Overrides.Command = &[]string{} }, "", ""},
		{"override entrypoint cleared", func(s *Stack) { s.Instances[0].Overrides.Entrypoint = &[]string{} }, "", ""},
		// restart and user
		{"override restart empty", func(s *Stack) { s.Instances[1].Overrides.Restart = vptr("") },
			"instances.db.restart", "is empty; want no, always, on-failure[:N] or unless-stopped"},
		{"override restart no", func(s *Stack) { s.Instances[1].Overrides.Restart = vptr("no") }, "", ""},
		{"override user with space", func(s *Stack) { s.Instances[1].Overrides.User = vptr("a b") }, "instances.db.user", "not a user"},
		{"override user control char", func(s *Stack) { s.Instances[1].Overrides.User = vptr("root\x1b") }, "instances.db.user", "not a user"},
		{"override user uid:gid", func(s *Stack) { s.Instances[1].Overrides.User = vptr("1000:1000") }, "", ""},
		{"override user empty means image default", func(s *Stack) { s.Instances[1].Overrides.User = vptr("") }, "", ""},
		// one mount per container path (effective config)
		{"override file over template volume", func(s *Stack) {
			s.Instances[1].Overrides.Files = map[string]ConfigFile{"/var/lib/postgresql/data": {Content: "x"}}
		}, "instances.db.files[/var/lib/postgresql/data]", `is also mounted by volumes[0] of template postgres`},
		{"override file and override volume", func(s *Stack) {
			s.Instances[0].Overrides.Volumes = &[]Volume{{Source: "/srv/x.conf", Target: "/etc/x.conf"}}
			s.Instances[0].Overrides.Files = map[string]ConfigFile{"/etc/x.conf": {Content: "x"}}
		}, "instances.api.files[/etc/x.conf]", `target "/etc/x.conf" is also mounted by instances.api.volumes[0]`},
		{"override volume over template file", func(s *Stack) {
			s.Instances[1].Overrides.Volumes = &[]Volume{{Source: "/srv/extra.conf", Target: "/etc/postgresql/extra.conf"}}
		}, "instances.db.volumes[0]", "is also mounted by config file files[0] of template postgres"},
		{"override volume elsewhere", func(s *Stack) {
			s.Instances[1].Overrides.Volumes = &[]Volume{{Source: "/srv/conf", Target: "/etc/postgresql"}}
		}, "", ""},
		// compose fragments may not publish ports: --port is checked
		{"compose ports", func(s *Stack) { s.Instances[1].Overrides.Compose = "ports: [\"8080:5432\"]\n" },
			"instances.db.compose", `sets "ports", which devarch manages; publish ports with --port`},
		{"compose expose", func(s *Stack) { s.Instances[1].Overrides.Compose = "expose: [\"5432\"]\n" }, "", ""},
		// IPv6 host addresses compare parsed, whatever their spelling
		{"port conflict v6 spellings", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "::1", Host: 16110, Container: 6379}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "0:0:0:0:0:0:0:1", Host: 16110, Container: 6379}}}})
		}, "instances.api2.ports[0]", "[0:0:0:0:0:0:0:1]:16110/tcp is also published by instance api ([::1]:16110/tcp)"},
		{"port conflict v6 case", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "fd00::a", Host: 8080, Container: 8080}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "FD00:0::A", Host: 8080, Container: 8080}}}})
		}, "instances.api2.ports[0]", "instance api"},
		{"port conflict long v6 wildcard", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "::1", Host: 8080, Container: 8080}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "0:0:0:0:0:0:0:0", Host: 8080, Container: 8080}}}})
		}, "instances.api2.ports[0]", "instance api"},
		{"v6 addresses that differ", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "::1", Host: 8080, Container: 8080}}
			s.Instances = append(s.Instances, Instance{Name: "api2", Template: "api", Enabled: true,
				Overrides: Overrides{Ports: &[]Port{{HostIP: "::2", Host: 8080, Container: 8080}}}})
		}, "", ""},
		{"same container port twice on one v6 address", func(s *Stack) {
			s.Instances[0].Overrides.Ports = &[]Port{{HostIP: "::1", Host: 8080, Container: 8080}, {HostIP: "0::1", Host: 8081, Container: 8080}}
		}, "instances.api.ports[1]", "container port 8080/tcp is already published"},
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
			assertNoSecret(t, err)
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

// TestValidateStackSharedVolumes: a named volume an instance inherits from
// its template (scoped to its name) may not be mounted by another instance
// of the stack; volumes both instances set themselves may be shared.
func TestValidateStackSharedVolumes(t *testing.T) {
	const data = "/var/lib/postgresql/data"
	pg := func(name string, vols ...Volume) Instance {
		inst := Instance{Name: name, Template: "postgres", Enabled: true}
		if vols != nil {
			inst.Overrides.Volumes = &vols
		}
		return inst
	}
	tests := []struct {
		name      string
		instances []Instance
		field     string // "" means valid
		rule      string
	}{
		{"two instances of a template are scoped apart", []Instance{pg("db"), pg("db2")}, "", ""},
		{"rename then add under the old name", []Instance{pg("db"), pg("db2", Volume{Source: "db-data", Target: data})},
			"instances.db.volumes[0]", "volume db-data is also mounted by instance db2 (which kept it when renamed); " + sharedVolumeRule},
		{"a disabled instance keeps its data", []Instance{pg("db"), {Name: "db2", Template: "postgres",
			Overrides: Overrides{Volumes: &[]Volume{{Source: "db-data", Target: data}}}}},
			"instances.db.volumes[0]", "also mounted by instance db2"},
		{"set with --volume elsewhere", []Instance{pg("db"), pg("db2", Volume{Source: "db-data", Target: "/backup"})},
			"instances.db.volumes[0]", "volume db-data is also mounted by instance db2 (set with --volume)"},
		{"another template's instance sets it", []Instance{pg("db"), {Name: "api", Template: "api", Enabled: true,
			Overrides: Overrides{Volumes: &[]Volume{{Source: "db-data", Target: "/data"}}}}},
			"instances.db.volumes[0]", "also mounted by instance api (set with --volume)"},
		// db-x's data and db's x-data are both db-x-data: each is told.
		{"two inherited scoped names that collide", []Instance{pg("db-x"), {Name: "db", Template: "pgx", Enabled: true}},
			"instances.db-x.volumes[0]", "volume db-x-data is also mounted by instance db (from its template pgx)"},
		{"shared on purpose by both", []Instance{pg("db", Volume{Source: "shared", Target: data}), pg("db2", Volume{Source: "shared", Target: data})}, "", ""},
		{"both keep the same scoped name on purpose", []Instance{pg("db", Volume{Source: "db-data", Target: data}), pg("db2", Volume{Source: "db-data", Target: data})}, "", ""},
		{"host paths are not volumes", []Instance{pg("db"), pg("db2", Volume{Source: "/srv/db-data", Target: data})}, "", ""},
		{"renamed instance alone", []Instance{pg("db2", Volume{Source: "db-data", Target: data})}, "", ""},
	}
	tpls := stackTemplates()
	pgx := validTemplate()
	pgx.Name = "pgx"
	pgx.Volumes = []Volume{{Source: "x-data", Target: data}}
	tpls["pgx"] = pgx
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: tt.instances}
			err := ValidateStack(st, tpls)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid stack refused: %v", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.rule)
			want := 1
			if tt.name == "two inherited scoped names that collide" {
				want = 2
				assertFieldError(t, err, "instances.db.volumes[0]", "volume db-x-data is also mounted by instance db-x (from its template postgres)")
			}
			if n := len(AsFieldErrors(err)); n != want {
				t.Errorf("want %d errors, got %d: %v", want, n, err)
			}
		})
	}
}
