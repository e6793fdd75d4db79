package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

func TestPrivileges(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		volumes []core.Volume
		want    []string
	}{
		{"ordinary", "stop_signal: SIGTERM\ncap_drop: [ALL]\nvolumes: [data:/data, ./src:/src]\n",
			[]core.Volume{{Source: "pgdata", Target: "/var/lib/postgresql/data"}, {Source: "/srv/app", Target: "/app"}, {Source: "/etc/localtime", Target: "/etc/localtime", ReadOnly: true}}, nil},
		{"privileged and host namespaces", "privileged: true\nnetwork_mode: host\npid: host\nipc: host\nuts: host\nuserns_mode: host\n", nil,
			[]string{"privileged", "network host", "pid host", "ipc host", "uts host", "userns host"}},
		{"privileged false", "privileged: false\nnetwork_mode: bridge\npid: \"container:x\"\n", nil, nil},
		{"capabilities, sorted and normalised", "cap_add: [SYS_ADMIN, ALL, cap_net_admin]\n", nil,
			[]string{"cap_add ALL", "cap_add NET_ADMIN", "cap_add SYS_ADMIN"}},
		{"devices, both forms", "devices:\n  - /dev/sda:/dev/sda:rwm\n  - source: /dev/fuse\n    target: /dev/fuse\n", nil,
			[]string{"device /dev/fuse", "device /dev/sda"}},
		{"unconfined security options", "security_opt: [\"seccomp:unconfined\", \"apparmor=unconfined\", \"label:disable\", \"no-new-privileges:true\"]\n", nil,
			[]string{"security_opt apparmor=unconfined", "security_opt label:disable", "security_opt seccomp:unconfined"}},
		{"binds from the volumes", "", []core.Volume{
			{Source: "/", Target: "/host"}, {Source: "/etc/", Target: "/e", ReadOnly: true},
			{Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"}, {Source: "/run/podman/podman.sock", Target: "/s"},
			{Source: "/run/user/1000/podman/podman.sock", Target: "/u"}, {Source: "/var/run", Target: "/r"}},
			[]string{"bind /", "bind /etc", "bind /var/run/docker.sock", "bind /run/podman/podman.sock", "bind /run/user/1000/podman/podman.sock", "bind /var/run"}},
		{"binds from the fragment, both forms, once each", "volumes:\n  - /run/docker.sock:/var/run/docker.sock\n  - type: bind\n    source: /\n    target: /host\n  - type: volume\n    source: data\n    target: /d\n",
			[]core.Volume{{Source: "/", Target: "/root-too"}},
			[]string{"bind /", "bind /run/docker.sock"}},
		{"a fragment that does not parse grants nothing here", "privileged: [\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Privileges(core.Service{Instance: "x", Compose: tt.compose, Volumes: tt.volumes})
			if !slices.Equal(got, tt.want) {
				t.Errorf("Privileges = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComputeListsPrivilegesAndRequireConsent(t *testing.T) {
	svc := func(name, compose string) core.WiredService {
		return core.WiredService{Service: core.Service{Instance: name, Template: "t", Enabled: true, Image: "alpine:3", Compose: compose}}
	}
	in := Input{Desired: core.Desired{Stack: "s", Lineage: "l", Services: []core.WiredService{
		svc("a", "privileged: true\n"), svc("b", ""),
	}}}
	p := Compute(in)
	if len(p.Changes) != 2 {
		t.Fatalf("changes = %+v, want two creates", p.Changes)
	}
	if !slices.Equal(p.Changes[0].Privileges, []string{"privileged"}) || p.Changes[1].Privileges != nil {
		t.Errorf("privileges = %q, %q; want [privileged] on a only", p.Changes[0].Privileges, p.Changes[1].Privileges)
	}
	err := RequireConsent(&p, false)
	if !IsConsent(err) || !strings.Contains(err.Error(), "a: privileged") || !strings.Contains(err.Error(), "--allow-privileged") {
		t.Errorf("RequireConsent without consent = %v; want a consent error naming a: privileged and the flag", err)
	}
	if err := RequireConsent(&p, true); err != nil {
		t.Errorf("RequireConsent with consent = %v", err)
	}

	// Once applied, a plan that changes nothing asks for nothing; an update
	// of a privileged service lists its privileges again.
	applied := in.Desired
	live := []LiveContainer{{Name: "s-a", Instance: "a", State: "running", Lineage: "l"}, {Name: "s-b", Instance: "b", State: "running", Lineage: "l"}}
	p = Compute(Input{Desired: in.Desired, Applied: &applied, Live: live})
	if len(p.Changes) != 0 || RequireConsent(&p, false) != nil {
		t.Errorf("an unchanged stack: changes %+v, consent %v; want none", p.Changes, RequireConsent(&p, false))
	}
	changed := in.Desired
	changed.Services = []core.WiredService{svc("a", "privileged: true\nstop_signal: SIGINT\n"), svc("b", "")}
	p = Compute(Input{Desired: changed, Applied: &applied, Live: live})
	if len(p.Changes) != 1 || p.Changes[0].Action != Update || !slices.Equal(p.Changes[0].Privileges, []string{"privileged"}) {
		t.Errorf("update of a privileged instance = %+v; want ~ a listing privileged", p.Changes)
	}
}
