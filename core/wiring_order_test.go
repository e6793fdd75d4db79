package core

import (
	"slices"
	"strings"
	"testing"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		name      string
		instances []Instance
		wires     []Wire
		want      []string
		err       string
	}{
		{
			name:      "providers first, ties by name",
			instances: []Instance{inst("web", "web"), inst("cache", "redis"), inst("db", "postgres"), inst("api", "web"), inst("zz", "redis")},
			wires:     []Wire{wire("web", "cache", "zz"), wire("api", "cache", "cache")},
			// api needs cache and db; web needs db and zz: each starts
			// as soon as its providers have, the smallest ready name first.
			want: []string{"cache", "db", "api", "zz", "web"},
		},
		{
			name:      "chain with its closing wire broken",
			instances: []Instance{inst("a", "svc-a"), inst("b", "svc-b"), inst("c", "svc-c")},
			wires:     []Wire{wire("c", "http", "ghost")},
			want:      []string{"c", "b", "a"},
			err:       `import http (http) is wired to "ghost", which is not an instance of stack shop`,
		},
		{
			name:      "disabled instances are left out",
			instances: []Instance{inst("web", "web"), disabled(inst("cache", "redis")), inst("db", "postgres")},
			want:      []string{"db", "web"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: tc.instances, Wires: tc.wires}
			svcs := effective(t, st)
			wires, _, diags := Resolve(st, svcs)
			got, err := Order(svcs, wires)
			if tc.err != "" && !slices.ContainsFunc(diags, func(d Diagnostic) bool { return strings.Contains(d.Message, tc.err) }) {
				t.Errorf("diags %v do not mention %q", diags, tc.err)
			}
			if tc.err == "" && slices.ContainsFunc(diags, func(d Diagnostic) bool { return d.Severity == SeverityError }) {
				t.Errorf("unexpected errors %v", diags)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOrderCycle(t *testing.T) {
	svcs := []Service{{Instance: "a", Enabled: true}, {Instance: "b", Enabled: true}, {Instance: "c", Enabled: true}, {Instance: "d", Enabled: true}}
	wires := []ResolvedWire{
		{Consumer: "a", Provider: "b"}, {Consumer: "b", Provider: "c"}, {Consumer: "c", Provider: "a"},
		{Consumer: "d", Provider: "a"},
	}
	order, err := Order(svcs, wires)
	if err == nil || err.Error() != "wiring cycle: a -> b -> c -> a" {
		t.Fatalf("err = %v", err)
	}
	if len(order) != 0 {
		t.Errorf("order before the cycle = %v, want none", order)
	}
	t.Run("two cycles", func(t *testing.T) {
		svcs := append(svcs, Service{Instance: "x", Enabled: true}, Service{Instance: "y", Enabled: true})
		wires := append(wires, ResolvedWire{Consumer: "x", Provider: "y"}, ResolvedWire{Consumer: "y", Provider: "x"})
		_, err := Order(svcs, wires)
		if err == nil || err.Error() != "wiring cycle: a -> b -> c -> a; wiring cycle: x -> y -> x" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("shortest path inside the component", func(t *testing.T) {
		got := findCycles([]string{"a", "b", "c"}, map[string][]string{"a": {"b", "c"}, "b": {"c"}, "c": {"a"}})
		if len(got) != 1 || strings.Join(got[0], " -> ") != "a -> c -> a" {
			t.Errorf("cycles = %v", got)
		}
	})
}
