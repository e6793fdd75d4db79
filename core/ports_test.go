package core

import (
	"strings"
	"testing"
)

func desiredWithPorts(stack string, enabled bool, byInstance map[string][]Port) Desired {
	d := Desired{Stack: stack}
	for _, name := range []string{"a", "b", "c"} {
		if ports, ok := byInstance[name]; ok {
			d.Services = append(d.Services, WiredService{Service: Service{Instance: name, Enabled: enabled, Ports: ports}})
		}
	}
	return d
}

func TestPortConflicts(t *testing.T) {
	mine := desiredWithPorts("shop", true, map[string][]Port{
		"a": {{Host: 5432, Container: 5432}, {Container: 9000}},
		"b": {{HostIP: "127.0.0.1", Host: 8080, Container: 80}, {Host: 53, Container: 53, Protocol: "udp"}},
	})
	tests := []struct {
		name   string
		others []Desired
		want   []string
	}{
		{"no other stacks", nil, nil},
		{
			name:   "same port in another stack warns and names it",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{Host: 5432, Container: 5432}}})},
			want:   []string{"instance a: host port 5432/tcp is also published by instance c of stack blog; only one of them can run at a time"},
		},
		{
			name:   "own stack in others is ignored",
			others: []Desired{desiredWithPorts("shop", true, map[string][]Port{"c": {{Host: 5432, Container: 5432}}})},
		},
		{
			name:   "disabled instances of the other stack do not count",
			others: []Desired{desiredWithPorts("blog", false, map[string][]Port{"c": {{Host: 5432, Container: 5432}}})},
		},
		{
			name:   "random host ports never conflict",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{Container: 9000}}})},
		},
		{
			name:   "protocol differs",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{Host: 53, Container: 53}}})},
		},
		{
			name:   "wildcard overlaps a specific address",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{HostIP: "0.0.0.0", Host: 8080, Container: 8080}}})},
			want:   []string{"instance b: host port 127.0.0.1:8080/tcp is also published by instance c of stack blog"},
		},
		{
			name:   "two specific addresses do not overlap",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{HostIP: "127.0.0.2", Host: 8080, Container: 8080}}})},
		},
		{
			name:   "v6 addresses compare parsed, not as strings",
			others: []Desired{desiredWithPorts("blog", true, map[string][]Port{"c": {{HostIP: "0:0:0:0:0:0:0:1", Host: 5432, Container: 5432}}})},
			want:   []string{"instance a: host port 5432/tcp is also published by instance c of stack blog"},
		},
		{
			name: "sorted by instance, port and stack",
			others: []Desired{
				desiredWithPorts("zoo", true, map[string][]Port{"a": {{Host: 53, Container: 53, Protocol: "UDP"}}, "c": {{Host: 5432, Container: 1}}}),
				desiredWithPorts("blog", true, map[string][]Port{"c": {{Host: 5432, Container: 5432}, {HostIP: "::", Host: 8080, Container: 1}}}),
			},
			want: []string{
				"instance a: host port 5432/tcp is also published by instance c of stack blog",
				"instance a: host port 5432/tcp is also published by instance c of stack zoo",
				"instance b: host port 53/udp is also published by instance a of stack zoo",
				"instance b: host port 127.0.0.1:8080/tcp is also published by instance c of stack blog",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PortConflicts(mine, tc.others)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d warnings %v, want %d %q", len(got), got, len(tc.want), tc.want)
			}
			for i, d := range got {
				if d.Severity != SeverityWarning || !strings.Contains(d.Error(), tc.want[i]) {
					t.Errorf("[%d] = %s %q, want a warning containing %q", i, d.Severity, d.Error(), tc.want[i])
				}
			}
		})
	}
}

func TestIPsOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"::1", "0:0:0:0:0:0:0:1", true},
		{"::1", "0000:0000:0000:0000:0000:0000:0000:0001", true},
		{"fd00::a", "FD00::A", true},
		{"::1", "::2", false},
		{"::ffff:127.0.0.1", "127.0.0.1", true},
		{"0:0:0:0:0:0:0:0", "::1", true},
		{"0.0.0.0", "::1", true},
		{"", "10.0.0.1", true},
		{"::ffff:0.0.0.0", "10.0.0.1", true},
		{"bogus", "::1", false},
	}
	for _, tc := range tests {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			if got := ipsOverlap(tc.a, tc.b); got != tc.want {
				t.Errorf("ipsOverlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := ipsOverlap(tc.b, tc.a); got != tc.want {
				t.Errorf("ipsOverlap(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
			}
		})
	}
}

func TestHostPortString(t *testing.T) {
	tests := []struct {
		p    Port
		want string
	}{
		{Port{Host: 80}, "80/tcp"},
		{Port{Host: 53, Protocol: "UDP"}, "53/udp"},
		{Port{HostIP: "127.0.0.1", Host: 8080}, "127.0.0.1:8080/tcp"},
		{Port{HostIP: "::1", Host: 8080}, "[::1]:8080/tcp"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := HostPortString(tc.p); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
