package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestUnknownSubcommandFails checks that a mistyped command fails at every
// level, standalone and as a docker plugin, while a bare group prints help.
func TestUnknownSubcommandFails(t *testing.T) {
	const plugin = "/usr/libexec/docker/cli-plugins/docker-devarch"
	env := envOf(map[string]string{"DEVARCH_HOME": t.TempDir()})
	cases := []struct {
		argv     []string
		wantCode int
		want     string // in stderr when failing, in stdout otherwise
	}{
		{[]string{"devarch", "nosuch"}, 1, `unknown command "nosuch" for "devarch"`},
		{[]string{"devarch", "stack", "nosuch"}, 1, `unknown command "nosuch" for "devarch stack"`},
		{[]string{plugin, "devarch", "nosuch"}, 1, `unknown command "nosuch" for "docker devarch"`},
		{[]string{plugin, "devarch", "instance", "nosuch"}, 1, `unknown command "nosuch" for "docker devarch instance"`},
		{[]string{"devarch", "stack"}, 0, "Available Commands:"},
		{[]string{plugin, "devarch"}, 0, "docker devarch [command]"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.argv[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.argv, strings.NewReader(""), &out, &errOut, env)
			got := out.String()
			if tc.wantCode != 0 {
				got = errOut.String()
			}
			if code != tc.wantCode || !strings.Contains(got, tc.want) {
				t.Errorf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, tc.want, out.String(), errOut.String())
			}
		})
	}
}

// TestExactArgsMessage checks the wrong-argument-count message names the
// arguments in plain words.
func TestExactArgsMessage(t *testing.T) {
	env := envOf(map[string]string{"DEVARCH_HOME": t.TempDir()})
	cases := []struct {
		name string
		argv []string
		want string
	}{
		{"no arguments", []string{"devarch", "stack", "ls", "extra"}, `"devarch stack ls" takes no arguments, got 1`},
		{"one argument", []string{"devarch", "stack", "show"}, `"devarch stack show" takes 1 argument (NAME), got 0`},
		{"two arguments", []string{"devarch", "instance", "set", "shop", "--enable"}, `"devarch instance set" takes 2 arguments (STACK NAME), got 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.argv, strings.NewReader(""), &out, &errOut, env)
			if code != 1 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, want 1 with %q\nstderr:\n%s", code, tc.want, errOut.String())
			}
			if strings.Contains(errOut.String(), "argument(s)") || strings.Contains(errOut.String(), "()") {
				t.Errorf("clumsy message:\n%s", errOut.String())
			}
		})
	}
}
