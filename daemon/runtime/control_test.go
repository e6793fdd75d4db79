package runtime

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      []PortBinding
	}{
		{"none", "", nil},
		{"ipv4 and ipv6", "80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n",
			[]PortBinding{{"80/tcp", "0.0.0.0", "8080"}, {"80/tcp", "::", "8080"}}},
		{"udp", "53/udp -> 127.0.0.1:5353", []PortBinding{{"53/udp", "127.0.0.1", "5353"}}},
		{"junk skipped", "warning: something\n443/tcp -> 0.0.0.0:8443", []PortBinding{{"443/tcp", "0.0.0.0", "8443"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParsePorts(tc.out); !slices.Equal(got, tc.want) {
				t.Errorf("ParsePorts(%q) = %v, want %v", tc.out, got, tc.want)
			}
		})
	}
}

func TestExecCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		opts ExecOptions
		want string
	}{
		{"tty", Spec{Kind: KindDocker, Binary: "/bin/dk"}, ExecOptions{Interactive: true, TTY: true, Command: []string{"sh"}},
			"/bin/dk exec -i -t devarch-s-db sh"},
		{"flags", Spec{Kind: KindDocker, Binary: "/bin/dk"},
			ExecOptions{User: "root", Env: []string{"A=1", "B=2"}, Workdir: "/tmp", Command: []string{"ls", "-l"}},
			"/bin/dk exec -u root -e A=1 -e B=2 -w /tmp devarch-s-db ls -l"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, err := ExecCommand(tc.spec, "devarch-s-db", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cmd.Args, " "); got != tc.want {
				t.Errorf("args = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("swarm refused", func(t *testing.T) {
		_, err := ExecCommand(Spec{Kind: KindSwarm}, "x", ExecOptions{Command: []string{"sh"}})
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("err = %v, want ErrUnsupported", err)
		}
	})
	t.Run("empty command refused", func(t *testing.T) {
		if _, err := ExecCommand(Spec{Kind: KindDocker}, "x", ExecOptions{}); err == nil {
			t.Error("no error for an empty command")
		}
	})
}

func TestComposeRunCommand(t *testing.T) {
	cmd, err := ComposeRunCommand(Spec{Kind: KindDocker, Binary: "/bin/dk"}, "devarch-s", "api",
		RunOptions{ExecOptions: ExecOptions{Env: []string{"X=1"}, Command: []string{"migrate"}}, File: "/tmp/p.yml", Workdir: "/w"})
	if err != nil {
		t.Fatal(err)
	}
	want := "/bin/dk compose -p devarch-s -f /tmp/p.yml --project-directory /w run --rm -T -e X=1 api migrate"
	if got := strings.Join(cmd.Args, " "); got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
	if cmd.Dir != "/w" {
		t.Errorf("dir = %q, want /w", cmd.Dir)
	}
}

// TestComposeRunCommandOpenFile: given the project open, docker compose
// reads it from the descriptor it inherits, so the caller can remove the
// file's name before the command starts.
func TestComposeRunCommandOpenFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "p-*.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name  string
		opts  RunOptions
		file  string
		extra bool
	}{
		{"open", RunOptions{File: f.Name(), Open: f, Workdir: "/w"}, "/dev/fd/3", true},
		{"not open", RunOptions{File: f.Name(), Workdir: "/w"}, f.Name(), false},
		{"no project directory", RunOptions{File: f.Name(), Open: f}, f.Name(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, err := ComposeRunCommand(Spec{Kind: KindDocker, Binary: "/bin/dk"}, "devarch-s", "api", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cmd.Args, " "); !strings.Contains(got, " -f "+tc.file+" ") {
				t.Errorf("args = %q, want -f %s", got, tc.file)
			}
			if got := len(cmd.ExtraFiles) == 1 && cmd.ExtraFiles[0] == f; got != tc.extra {
				t.Errorf("file passed as descriptor 3 = %v, want %v (extra files %v)", got, tc.extra, cmd.ExtraFiles)
			}
		})
	}
}
