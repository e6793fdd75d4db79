package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/client"
)

// startDaemon runs a real daemon on a new home until the test ends and
// returns the home with a client.
func startDaemon(t *testing.T) (string, *client.Client) {
	t.Helper()
	home, err := os.MkdirTemp("", "dvc-") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- daemon.Run(ctx, daemon.Config{Home: home, Log: io.Discard}) }()
	t.Cleanup(func() {
		cancel()
		<-done
		os.RemoveAll(home)
	})
	cl := client.New(client.SocketPath(home))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := cl.Status(ctx)
		if err == nil {
			return home, cl
		}
		select {
		case err := <-done:
			t.Fatalf("daemon exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// completions runs `__complete ARGS...` and returns the offered words
// (without descriptions) and the directive line.
func completions(t *testing.T, argv []string, env map[string]string) ([]string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), argv, strings.NewReader(""), &out, &errOut, envOf(env)); code != 0 {
		t.Fatalf("%q: exit %d\n%s", argv, code, errOut.String())
	}
	var words []string
	directive := ""
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		word, _, _ := strings.Cut(line, "\t")
		words = append(words, word)
	}
	return words, directive
}

func TestCompletionOfNames(t *testing.T) {
	home, cl := startDaemon(t)
	ctx := context.Background()
	for _, stack := range []string{"shop", "shed", "blog"} {
		if _, err := cl.CreateStack(ctx, api.StackCreateRequest{Name: stack}); err != nil {
			t.Fatal(err)
		}
	}
	for _, inst := range []api.InstanceAddRequest{{Name: "db", Template: "postgres"}, {Name: "cache", Template: "redis"}, {Name: "db2", Template: "mysql"}} {
		if _, err := cl.AddInstance(ctx, "shop", inst); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"DEVARCH_HOME": home}
	byDocker := map[string]string{"DEVARCH_HOME": home, "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "docker"}
	noFiles := ":4" // cobra.ShellCompDirectiveNoFileComp
	cases := []struct {
		name string
		argv []string
		env  map[string]string
		want []string
	}{
		{"stacks", []string{"devarch", "__complete", "plan", ""}, env, []string{"blog", "shed", "shop"}},
		{"stacks by prefix", []string{"devarch", "__complete", "stack", "show", "sh"}, env, []string{"shed", "shop"}},
		{"instances of the named stack", []string{"devarch", "__complete", "instance", "set", "shop", "d"}, env, []string{"db", "db2"}},
		{"logs: stack then instance", []string{"devarch", "__complete", "logs", "shop", ""}, env, []string{"cache", "db", "db2"}},
		{"nothing past the last name", []string{"devarch", "__complete", "instance", "show", "shop", "db", ""}, env, nil},
		{"a new name is not completed", []string{"devarch", "__complete", "stack", "create", ""}, env, nil},
		{"template flag", []string{"devarch", "__complete", "instance", "add", "shop", "web", "--template", "re"}, env, []string{"redis"}},
		{"home flag", []string{"devarch", "__complete", "--home", home, "ps", "b"}, nil, []string{"blog"}},
		{"commands", []string{"devarch", "__complete", "insta"}, env, []string{"instance"}},
		{"flags", []string{"devarch", "__complete", "plan", "shop", "--detailed"}, env, []string{"--detailed-exitcode"}},
		{"docker devarch: stacks", []string{"/p/docker-devarch", "__complete", "devarch", "destroy", "b"}, byDocker, []string{"blog"}},
		{"docker devarch: instances", []string{"/p/docker-devarch", "__complete", "devarch", "instance", "rm", "shop", "c"}, byDocker, []string{"cache"}},
		{"docker devarch: commands", []string{"/p/docker-devarch", "__complete", "devarch", "wi"}, byDocker, []string{"wire", "wires"}},
		{"--stack completes stacks", []string{"devarch", "__complete", "plan", "--stack", "b"}, env, []string{"blog"}},
		{"after -s the arguments start past STACK", []string{"devarch", "__complete", "logs", "-s", "shop", "d"}, env, []string{"db", "db2"}},
		{"a default stack adds its instances", []string{"devarch", "__complete", "instance", "show", ""},
			map[string]string{"DEVARCH_HOME": home, "DEVARCH_STACK": "shop"}, []string{"blog", "shed", "shop", "cache", "db", "db2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			words, directive := completions(t, tc.argv, tc.env)
			if strings.Join(words, " ") != strings.Join(tc.want, " ") {
				t.Errorf("completions = %q; want %q", words, tc.want)
			}
			if directive != noFiles {
				t.Errorf("directive = %q; want %q (no file names)", directive, noFiles)
			}
		})
	}
}

func TestCompletionWithoutDaemonOffersNothing(t *testing.T) {
	home := t.TempDir()
	words, _ := completions(t, []string{"devarch", "__complete", "plan", ""}, map[string]string{"DEVARCH_HOME": home})
	if len(words) != 0 {
		t.Errorf("completions = %q; want none", words)
	}
	if _, err := os.Stat(client.SocketPath(home)); !os.IsNotExist(err) {
		t.Errorf("completion started a daemon: socket %v", err)
	}
}

// TestEveryNameArgumentCompletes checks that each command whose first
// argument is a stack or a template completes it, so a new command is not
// left out of argKinds.
func TestEveryNameArgumentCompletes(t *testing.T) {
	c := newCLI(nil, io.Discard, io.Discard, envOf(nil))
	root := c.rootCommand()
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		fields := strings.Fields(cmd.Use)
		if len(fields) < 2 {
			return
		}
		path := strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		first := fields[1]
		names := first == "STACK" || (first == "NAME" && (cmd.Parent().Name() == "template" && cmd.Name() != "add" || cmd.Parent().Name() == "stack" && cmd.Name() != "create"))
		if names && len(argKinds[path]) == 0 {
			t.Errorf("%q takes %s but completes nothing; add it to argKinds", path, first)
		}
	}
	walk(root)
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_devarch",
		"zsh":  "#compdef devarch",
		"fish": "complete -c devarch",
	} {
		t.Run(shell, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"devarch", "completion", shell}, strings.NewReader(""), &out, &errOut, envOf(nil))
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errOut.String())
			}
			if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "__complete") {
				t.Errorf("%s script lacks %q or the __complete call:\n%.400s", shell, want, out.String())
			}
		})
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"devarch", "completion", "tcsh"}, strings.NewReader(""), &out, &errOut, envOf(nil))
	if code != 1 || !strings.Contains(errOut.String(), `SHELL: "tcsh" is not supported; want one of bash, zsh, fish`) {
		t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
	}
}
