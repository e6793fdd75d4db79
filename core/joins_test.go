package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// netStack builds a stack named name joining joins with instances names.
func netStack(name string, joins []string, names ...string) Stack {
	st := Stack{Name: name, JoinNetworks: joins}
	for _, n := range names {
		st.Instances = append(st.Instances, Instance{Name: n, Template: "t", Enabled: true})
	}
	return st
}

// networks is the stored stacks stacks, none applied.
func networks(stacks ...Stack) Networks {
	out := Networks{}
	for _, st := range stacks {
		out[st.Name] = NewNetStack(st, nil, "")
	}
	return out
}

func TestCheckJoins(t *testing.T) {
	infra := netStack("infra", nil, "db", "cache")
	tests := []struct {
		name   string
		stored Networks
		old    *Stack // the stored definition of the changed stack
		st     Stack
		had    []string
		fields []string // fields of the refusal, in order; nil: accepted
		want   []string // in the message
	}{
		{name: "join of an existing stack, distinct names",
			stored: networks(infra), st: netStack("app", []string{"infra"}, "api")},
		{name: "join of a missing stack",
			stored: networks(infra), st: netStack("app", []string{"nope"}, "api"),
			fields: []string{"stack.join_networks[0]"}, want: []string{`stack "nope" does not exist`}},
		{name: "new instance named like one on the joined network",
			stored: networks(infra, netStack("app", []string{"infra"}, "api")),
			old:    ptr(netStack("app", []string{"infra"}, "api")),
			st:     netStack("app", []string{"infra"}, "api", "db"), had: []string{"api"},
			fields: []string{"instances.db"}, want: []string{`instance "db"`, "devarch-infra-net", SharedNetworkRule}},
		{name: "new join brings an old name onto the network",
			stored: networks(infra, netStack("app", nil, "db")), old: ptr(netStack("app", nil, "db")),
			st: netStack("app", []string{"infra"}, "db"), had: []string{"db"},
			fields: []string{"stack.join_networks[0]"}, want: []string{`stack "app" joins the network of stack "infra"`, `instance "db"`}},
		{name: "a new stack others join would clash",
			stored: networks(netStack("app", []string{"infra"}, "db")),
			st:     netStack("infra", nil, "db"),
			fields: []string{"instances.db"}, want: []string{`stack "app" joins the network of stack "infra"`}},
		{name: "names of two joined networks clash for the joiner",
			stored: networks(infra, netStack("other", nil, "db"), netStack("app", []string{"infra"}, "api")),
			old:    ptr(netStack("app", []string{"infra"}, "api")),
			st:     netStack("app", []string{"infra", "other"}, "api"), had: []string{"api"},
			fields: []string{"stack.join_networks[1]"}, want: []string{"is on both networks", `"db"`}},
		{name: "join cycle",
			stored: networks(netStack("a", []string{"b"}), netStack("b", nil)), old: ptr(netStack("b", nil)),
			st:     netStack("b", []string{"a"}),
			fields: []string{"stack.join_networks[0]"}, want: []string{"join cycle b -> a -> b", JoinCycleRule}},
		{name: "old clash is not reported again",
			stored: networks(infra, netStack("app", []string{"infra"}, "db")),
			old:    ptr(netStack("app", []string{"infra"}, "db")),
			st:     netStack("app", []string{"infra"}, "db", "web"), had: []string{"db"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			had := map[string]bool{}
			for _, h := range tc.had {
				had[h] = true
			}
			err := CheckJoins(tc.old, tc.st, had, func() (Networks, error) { return tc.stored, nil })
			var fields []string
			for _, fe := range AsFieldErrors(err) {
				fields = append(fields, fe.Field)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Fatalf("fields = %v, want %v (err %v)", fields, tc.fields, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckJoinsLoadsOnlyForNewJoinsOrNames(t *testing.T) {
	old := netStack("app", []string{"infra"}, "api")
	boom := errors.New("load")
	err := CheckJoins(&old, netStack("app", []string{"infra"}, "api"), map[string]bool{"api": true},
		func() (Networks, error) { return nil, boom })
	if err != nil {
		t.Fatalf("an edit adding no join nor name read the stacks: %v", err)
	}
	err = CheckJoins(&old, netStack("app", []string{"infra"}, "api", "web"), map[string]bool{"api": true},
		func() (Networks, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("a new name: err = %v, want the load error", err)
	}
}

func TestCheckNetworkPlan(t *testing.T) {
	tests := []struct {
		name   string
		stored Networks
		st     Stack
		want   []string // one per diagnostic, in order; nil: no error
	}{
		{name: "clean", stored: networks(netStack("infra", nil, "db")), st: netStack("app", []string{"infra"}, "api")},
		{name: "missing joined stack", stored: networks(), st: netStack("app", []string{"infra"}),
			want: []string{`stack "app" joins the network of stack "infra", which does not exist`}},
		{name: "shared name", stored: networks(netStack("infra", nil, "db")), st: netStack("app", []string{"infra"}, "db"),
			want: []string{`instance "db" of stack "app": stack "infra" has an instance "db" too`}},
		{name: "cycle through the applied snapshot",
			stored: Networks{"a": NewNetStack(netStack("a", nil), &Desired{JoinNetworks: []string{"app"}}, "docker")},
			st:     netStack("app", []string{"a"}),
			want:   []string{"join cycle app -> a -> app"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all, err := CheckNetworkPlan(tc.stored, tc.st)
			if tc.want == nil {
				if err != nil || all[tc.st.Name] == nil {
					t.Fatalf("err = %v, stack in result: %v", err, all[tc.st.Name] != nil)
				}
				return
			}
			var de *DiagnosticsError
			if !errors.As(err, &de) || len(de.Diagnostics) != len(tc.want) {
				t.Fatalf("err = %v, want %d diagnostics", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(de.Diagnostics[i].Message, w) {
					t.Errorf("diagnostic %d = %q, want %q", i, de.Diagnostics[i].Message, w)
				}
			}
		})
	}
	t.Run("applied join named in the cycle", func(t *testing.T) {
		_, err := CheckNetworkPlan(Networks{"a": NewNetStack(netStack("a", nil), &Desired{JoinNetworks: []string{"app"}}, "docker")},
			netStack("app", []string{"a"}))
		if err == nil || !strings.Contains(err.Error(), "its applied containers do: devarch apply a") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestJoinWarnings(t *testing.T) {
	all := Networks{
		"idle":   NewNetStack(netStack("idle", nil), nil, ""),
		"podman": NewNetStack(netStack("podman", nil), &Desired{}, "podman"),
		"docker": NewNetStack(netStack("docker", nil), &Desired{}, "docker"),
	}
	tests := []struct {
		join []string
		want []string
	}{
		{join: []string{"docker"}},
		{join: []string{"idle"}, want: []string{"which is not applied"}},
		{join: []string{"podman"}, want: []string{"which runs on podman, not docker"}},
		{join: []string{"podman", "idle"}, want: []string{"stack idle", "stack podman"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.join, ","), func(t *testing.T) {
			got := JoinWarnings(netStack("app", tc.join), all, "docker")
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d warnings", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

func TestJoinersAndJoinersError(t *testing.T) {
	all := Networks{
		"infra": NewNetStack(netStack("infra", nil), nil, ""),
		"b":     NewNetStack(netStack("b", []string{"infra"}), nil, ""),
		"a":     NewNetStack(netStack("a", nil), &Desired{JoinNetworks: []string{"infra"}}, "docker"),
	}
	joiners, applied := all.Joiners("infra")
	if !slices.Equal(joiners, []string{"a", "b"}) || !slices.Equal(applied, []string{"a"}) {
		t.Fatalf("Joiners = %v, %v", joiners, applied)
	}
	tests := []struct {
		joiners   []string
		applied   bool
		msg, hint string
	}{
		{[]string{"a"}, true, `cannot remove stack "infra": stack "a" joins its network devarch-infra-net`, "devarch destroy a first"},
		{[]string{"a", "b"}, false, `stacks "a", "b" join its network`, "devarch stack rm a"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.joiners, ","), func(t *testing.T) {
			var ce *ConflictError
			if err := JoinersError("infra", "remove", tc.joiners, "", tc.applied); !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a conflict", err)
			}
			if !strings.Contains(ce.Msg, tc.msg) || !strings.Contains(ce.Hint, tc.hint) {
				t.Errorf("got %q (hint %q), want %q and %q", ce.Msg, ce.Hint, tc.msg, tc.hint)
			}
		})
	}
}
