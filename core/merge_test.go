package core

import (
	"reflect"
	"testing"
)

func mergeTemplate() Template {
	return Template{
		Name:       "postgres",
		Image:      "docker.io/library/postgres:16",
		Command:    []string{"postgres", "-c", "fsync=off"},
		Entrypoint: []string{"docker-entrypoint.sh"},
		User:       "postgres",
		Restart:    "unless-stopped",
		Env: map[string]EnvVar{
			"POSTGRES_USER": {Value: "postgres"}, "POSTGRES_DB": {Value: "app"},
			"POSTGRES_PASSWORD": {Value: "pw", Secret: true},
		},
		Labels:      map[string]string{"team": "core", "tier": "db"},
		Ports:       []Port{{Host: 5432, Container: 5432}, {Container: 9187}},
		Volumes:     []Volume{{Source: "data", Target: "/var/lib/postgresql/data"}},
		Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "pg_isready"}, Interval: Duration(5e9), Retries: 5},
		Files: []ConfigFile{
			{Target: "/etc/a.conf", Content: "a", Mode: 0o644},
			{Target: "/etc/b.conf", Content: "b", Mode: 0o644},
		},
		Domains: []string{"db.localhost"},
		Exports: []Export{{Name: "postgres", Type: ContractPostgres, Port: 5432, Env: map[string]string{"PGHOST": "{{.Host}}"}}},
		Imports: []Import{{Name: "cache", Type: ContractRedis, Optional: true}},
	}
}

// TestMerge has one row per row of the merge table in DESIGN.md; each row
// states the fields of the effective service it changes.
func TestMerge(t *testing.T) {
	digest := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		o    Overrides
		inst func(*Instance)
		want func(*Service)
	}{
		{name: "no overrides inherit everything", want: func(*Service) {}},
		{name: "image replaces", o: Overrides{Image: vptr("ghcr.io/acme/pg:15"), Exports: &[]Export{}},
			want: func(s *Service) { s.Image = "ghcr.io/acme/pg:15"; s.Exports = []Export{} }},
		{name: "tag replaces the template tag", o: Overrides{Tag: vptr("15-alpine")},
			want: func(s *Service) { s.Image = "docker.io/library/postgres:15-alpine" }},
		{name: "tag may be a digest", o: Overrides{Tag: vptr(digest)},
			want: func(s *Service) { s.Image = "docker.io/library/postgres@" + digest }},
		{name: "tag applies to an overridden image", o: Overrides{Image: vptr("localhost:5000/pg:1"), Tag: vptr("2"), Exports: &[]Export{}},
			want: func(s *Service) { s.Image = "localhost:5000/pg:2"; s.Exports = []Export{} }},
		{name: "command replaces", o: Overrides{Command: &[]string{"postgres"}},
			want: func(s *Service) { s.Command = []string{"postgres"} }},
		{name: "empty command override clears", o: Overrides{Command: &[]string{}},
			want: func(s *Service) { s.Command = []string{} }},
		{name: "entrypoint replaces", o: Overrides{Entrypoint: &[]string{"/bin/sh", "-c"}},
			want: func(s *Service) { s.Entrypoint = []string{"/bin/sh", "-c"} }},
		{name: "user replaces", o: Overrides{User: vptr("1000:1000")},
			want: func(s *Service) { s.User = "1000:1000" }},
		{name: "restart replaces", o: Overrides{Restart: vptr("no")},
			want: func(s *Service) { s.Restart = "no" }},
		{name: "enabled is the instance's", inst: func(i *Instance) { i.Enabled = false },
			want: func(s *Service) { s.Enabled = false }},
		{name: "env merges by key, instance wins",
			o: Overrides{Env: map[string]EnvVar{"POSTGRES_DB": {Value: "shop"}, "TZ": {Value: "UTC"}}},
			want: func(s *Service) {
				s.Env["POSTGRES_DB"] = EnvVar{Value: "shop"}
				s.Env["TZ"] = EnvVar{Value: "UTC"}
			}},
		{name: "env unset removes a template key",
			o:    Overrides{UnsetEnv: []string{"POSTGRES_DB"}},
			want: func(s *Service) { delete(s.Env, "POSTGRES_DB") }},
		{name: "env secret-ness comes from the winning value",
			o:    Overrides{Env: map[string]EnvVar{"POSTGRES_USER": {Value: "admin", Secret: true}}},
			want: func(s *Service) { s.Env["POSTGRES_USER"] = EnvVar{Value: "admin", Secret: true} }},
		{name: "a template secret stays secret when the instance sets it plainly",
			o:    Overrides{Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "hunter2"}}},
			want: func(s *Service) { s.Env["POSTGRES_PASSWORD"] = EnvVar{Value: "hunter2", Secret: true} }},
		{name: "keep exports: another repository still inherits the template's exports",
			o:    Overrides{Image: vptr("ghcr.io/acme/pg:15"), KeepExports: true},
			want: func(s *Service) { s.Image = "ghcr.io/acme/pg:15" }},
		{name: "a template secret unset and set again stays secret",
			o:    Overrides{UnsetEnv: []string{"POSTGRES_PASSWORD"}, Env: map[string]EnvVar{"POSTGRES_PASSWORD": {Value: "hunter2"}}},
			want: func(s *Service) { s.Env["POSTGRES_PASSWORD"] = EnvVar{Value: "hunter2", Secret: true} }},
		{name: "another tag of the template's repository keeps its exports",
			o:    Overrides{Image: vptr("docker.io/library/postgres:17")},
			want: func(s *Service) { s.Image = "docker.io/library/postgres:17" }},
		{name: "labels merge by key, instance wins",
			o: Overrides{Labels: map[string]string{"tier": "cache", "owner": "me"}},
			want: func(s *Service) {
				s.Labels = map[string]string{"team": "core", "tier": "cache", "owner": "me"}
			}},
		{name: "ports replace the whole list", o: Overrides{Ports: &[]Port{{Host: 15432, Container: 5432}}},
			want: func(s *Service) { s.Ports = []Port{{Host: 15432, Container: 5432}} }},
		{name: "empty ports override publishes nothing", o: Overrides{Ports: &[]Port{}},
			want: func(s *Service) { s.Ports = []Port{} }},
		{name: "volumes replace the whole list", o: Overrides{Volumes: &[]Volume{{Source: "/srv/pg", Target: "/var/lib/postgresql/data", ReadOnly: true}}},
			want: func(s *Service) {
				s.Volumes = []Volume{{Source: "/srv/pg", Target: "/var/lib/postgresql/data", ReadOnly: true}}
			}},
		{name: "instance named volumes are used as named", o: Overrides{Volumes: &[]Volume{{Source: "shared", Target: "/srv"}}},
			want: func(s *Service) { s.Volumes = []Volume{{Source: "shared", Target: "/srv"}} }},
		{name: "healthcheck replaces the whole object",
			o: Overrides{Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}}},
			want: func(s *Service) {
				s.Healthcheck = &Healthcheck{Test: []string{"CMD", "true"}} // interval and retries are not inherited
			}},
		{name: "config files merge by target, instance wins",
			o: Overrides{Files: map[string]ConfigFile{
				"/etc/b.conf": {Target: "/etc/b.conf", Content: "B", Sensitive: true},
				"/etc/0.conf": {Target: "/etc/0.conf", Content: "zero"},
			}},
			want: func(s *Service) {
				s.Files = []ConfigFile{
					{Target: "/etc/0.conf", Content: "zero"},
					{Target: "/etc/a.conf", Content: "a", Mode: 0o644},
					{Target: "/etc/b.conf", Content: "B", Sensitive: true},
				}
			}},
		{name: "domains replace", o: Overrides{Domains: &[]string{"pg.shop.localhost"}},
			want: func(s *Service) { s.Domains = []string{"pg.shop.localhost"} }},
		{name: "exports are inherited when the image is not overridden", o: Overrides{Tag: vptr("17")},
			want: func(s *Service) { s.Image = "docker.io/library/postgres:17" }},
		{name: "image override without exports marks them stale", o: Overrides{Image: vptr("ghcr.io/acme/pg:15")},
			want: func(s *Service) { s.Image = "ghcr.io/acme/pg:15"; s.ExportsStale = true }},
		{name: "image override with redeclared exports is not stale",
			o: Overrides{Image: vptr("ghcr.io/acme/pg:15"), Exports: &[]Export{{Name: "pg", Type: ContractPostgres, Port: 5433}}},
			want: func(s *Service) {
				s.Image = "ghcr.io/acme/pg:15"
				s.Exports = []Export{{Name: "pg", Type: ContractPostgres, Port: 5433}}
			}},
		{name: "imports are replaced when overridden", o: Overrides{Imports: &[]Import{{Name: "queue", Type: ContractAMQP}}},
			want: func(s *Service) { s.Imports = []Import{{Name: "queue", Type: ContractAMQP}} }},
		{name: "compose fragment is carried to the service", o: Overrides{Compose: "shm_size: 256m\n"},
			want: func(s *Service) { s.Compose = "shm_size: 256m\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mergeTemplate()
			inst := Instance{Name: "db", Template: "postgres", Enabled: true, Overrides: tt.o}
			if tt.inst != nil {
				tt.inst(&inst)
			}
			want := inherited(mergeTemplate())
			tt.want(&want)
			got := Merge(tpl, inst)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Merge:\n got  %+v\n want %+v", got, want)
			}
			if !reflect.DeepEqual(tpl, mergeTemplate()) {
				t.Errorf("Merge changed its template")
			}
		})
	}
}

// inherited is what an instance named db with no overrides gets: the
// template's values, with its named volumes scoped to the instance.
func inherited(t Template) Service {
	vols := make([]Volume, len(t.Volumes))
	for i, v := range t.Volumes {
		vols[i] = v
		if IsNamedVolume(v.Source) {
			vols[i].Source = "db-" + v.Source
		}
	}
	return Service{
		Instance: "db", Template: t.Name, Enabled: true, Image: t.Image,
		Command: t.Command, Entrypoint: t.Entrypoint, User: t.User, Restart: t.Restart,
		Env: t.Env, Labels: t.Labels, Ports: t.Ports, Volumes: vols, Healthcheck: t.Healthcheck,
		Files: t.Files, Domains: t.Domains, Exports: t.Exports, Imports: t.Imports,
	}
}

func TestMergeSharesNoMemory(t *testing.T) {
	tpl := mergeTemplate()
	inst := Instance{Name: "db", Template: "postgres", Enabled: true, Overrides: Overrides{
		Env:     map[string]EnvVar{"TZ": {Value: "UTC"}},
		Labels:  map[string]string{"owner": "me"},
		Volumes: &[]Volume{{Source: "v", Target: "/v"}},
		Files:   map[string]ConfigFile{"/etc/c.conf": {Target: "/etc/c.conf", Content: "c"}},
		Imports: &[]Import{{Name: "queue", Type: ContractAMQP}},
	}}
	wantTpl, wantInst := mergeTemplate(), inst
	wantInst.Overrides.Volumes = &[]Volume{{Source: "v", Target: "/v"}}
	wantInst.Overrides.Imports = &[]Import{{Name: "queue", Type: ContractAMQP}}

	s := Merge(tpl, inst)
	s.Command[0] = "x"
	s.Entrypoint[0] = "x"
	s.Env["POSTGRES_USER"] = EnvVar{Value: "x"}
	s.Env["TZ"] = EnvVar{Value: "x"}
	s.Labels["team"] = "x"
	s.Labels["owner"] = "x"
	s.Ports[0].Host = 1
	s.Volumes[0].Source = "x"
	s.Healthcheck.Test[0] = "NONE"
	s.Healthcheck.Retries = 99
	s.Files[0].Content = "x"
	s.Domains[0] = "x"
	s.Exports[0].Env["PGHOST"] = "x"
	s.Exports[0].Port = 1
	s.Imports[0].Name = "x"

	if !reflect.DeepEqual(tpl, wantTpl) {
		t.Errorf("template changed through the merged service: %+v", tpl)
	}
	if !reflect.DeepEqual(inst, wantInst) {
		t.Errorf("instance changed through the merged service: %+v", inst.Overrides)
	}

	hc := &Healthcheck{Test: []string{"CMD", "true"}}
	s = Merge(tpl, Instance{Name: "db", Overrides: Overrides{Healthcheck: hc, Ports: &[]Port{{Container: 1}}}})
	s.Healthcheck.Test[0] = "NONE"
	s.Ports[0].Container = 2
	if hc.Test[0] != "CMD" {
		t.Error("overridden healthcheck shared with the service")
	}
}

func TestSplitImageWithTag(t *testing.T) {
	tests := []struct{ ref, repo, tag, withTag string }{
		{"docker.io/library/postgres:16", "docker.io/library/postgres", ":16", "docker.io/library/postgres:17"},
		{"localhost:5000/app", "localhost:5000/app", "", "localhost:5000/app:17"},
		{"localhost:5000/app:1", "localhost:5000/app", ":1", "localhost:5000/app:17"},
		{"docker.io/x/y@sha256:ab", "docker.io/x/y", "@sha256:ab", "docker.io/x/y:17"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			repo, tag := SplitImage(tt.ref)
			if repo != tt.repo || tag != tt.tag {
				t.Errorf("SplitImage = %q, %q", repo, tag)
			}
			if got := WithTag(tt.ref, "17"); got != tt.withTag {
				t.Errorf("WithTag = %q, want %q", got, tt.withTag)
			}
		})
	}
}

// TestTemplateVolumesPerInstance checks that two instances of one template
// never share the template's named volume, while host paths stay as they are.
func TestTemplateVolumesPerInstance(t *testing.T) {
	tpl := mergeTemplate()
	tpl.Volumes = append(tpl.Volumes, Volume{Source: "/srv/seed", Target: "/seed", ReadOnly: true})
	a := Merge(tpl, Instance{Name: "db1", Enabled: true})
	b := Merge(tpl, Instance{Name: "db2", Enabled: true})
	if a.Volumes[0].Source != "db1-data" || b.Volumes[0].Source != "db2-data" {
		t.Errorf("named volumes = %q, %q; want db1-data, db2-data", a.Volumes[0].Source, b.Volumes[0].Source)
	}
	if a.Volumes[1].Source != "/srv/seed" || b.Volumes[1].Source != "/srv/seed" {
		t.Errorf("bind mounts must keep their host path: %+v %+v", a.Volumes[1], b.Volumes[1])
	}
	if tpl.Volumes[0].Source != "data" {
		t.Errorf("Merge changed the template: %+v", tpl.Volumes)
	}
}

func TestOverridesSet(t *testing.T) {
	tag, empty := "15", []Port{}
	cases := []struct {
		name string
		o    Overrides
		want []string
	}{
		{"none", Overrides{}, nil},
		{"unset env counts as env", Overrides{UnsetEnv: []string{"A"}}, []string{"env"}},
		{"empty ports list is an override", Overrides{Ports: &empty, Tag: &tag}, []string{"ports", "tag"}},
		{"compose fragment", Overrides{Compose: "init: true", Labels: map[string]string{"a": "b"}}, []string{"compose", "labels"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.o.Set(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Set() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSensitiveFileStaysSensitive(t *testing.T) {
	tpl := mergeTemplate()
	tpl.Files[0].Sensitive = true
	s := Merge(tpl, Instance{Name: "db", Enabled: true, Overrides: Overrides{Files: map[string]ConfigFile{
		"/etc/a.conf": {Target: "/etc/a.conf", Content: "override"},
	}}})
	if f := s.Files[0]; f.Target != "/etc/a.conf" || f.Content != "override" || !f.Sensitive {
		t.Errorf("file = %+v; want the override's content, still sensitive", f)
	}
}
