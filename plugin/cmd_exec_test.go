package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCommandArgs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"leading dash-dash dropped", []string{"--", "ls", "-l"}, []string{"ls", "-l"}},
		{"later dash-dash kept", []string{"ls", "--", "x"}, []string{"ls", "--", "x"}},
		{"only dash-dash", []string{"--"}, []string{}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := commandArgs(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("commandArgs(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizePrivatePort(t *testing.T) {
	for _, tc := range []struct {
		in, want, wantErr string
	}{
		{"80", "80/tcp", ""},
		{"53/udp", "53/udp", ""},
		{"080/tcp", "80/tcp", ""},
		{"0", "", "1..65535"},
		{"70000", "", "1..65535"},
		{"http", "", "1..65535"},
		{"80/icmp", "", "protocol must be"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := normalizePrivatePort(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "PRIVATE_PORT") {
					t.Fatalf("err = %v, want one naming PRIVATE_PORT and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("normalizePrivatePort(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
