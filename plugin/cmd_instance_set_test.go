package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
)

// setRequest parses args as `instance set` flags and builds the request.
func setRequest(t *testing.T, stdin string, args ...string) (core.InstanceUpdate, error) {
	t.Helper()
	var opts instanceSetOptions
	cmd := &cobra.Command{}
	opts.bindFlags(cmd.Flags())
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return opts.request(cmd.Flags().Changed, strings.NewReader(stdin))
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInstanceSetRequest(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(conf, []byte("x=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	frag := filepath.Join(dir, "frag.yml")
	if err := os.WriteFile(frag, []byte("shm_size: 1g\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string // JSON of the request
	}{
		{"scalars", "", []string{"--image", "docker.io/library/postgres:16", "--tag", "15", "--user", "1000:1000", "--restart", "always"},
			`{"image":"docker.io/library/postgres:16","tag":"15","user":"1000:1000","restart":"always","mask":["image","restart","tag","user"]}`},
		{"empty tag is still a change", "", []string{"--tag", ""}, `{"tag":"","mask":["tag"]}`},
		{"replicas", "", []string{"--replicas", "3"}, `{"replicas":3,"mask":["replicas"]}`},
		{"replicas zero is a value", "", []string{"--replicas", "0"}, `{"replicas":0,"mask":["replicas"]}`},
		{"command split like a shell", "", []string{"--command", `sh -c "echo hi there"`}, `{"command":["sh","-c","echo hi there"],"mask":["command"]}`},
		{"command repeated", "", []string{"--command", "sh", "--command", "-c", "--command", "echo a b"}, `{"command":["sh","-c","echo a b"],"mask":["command"]}`},
		{"entrypoint cleared", "", []string{"--entrypoint", ""}, `{"entrypoint":[],"mask":["entrypoint"]}`},
		{"command cleared", "", []string{"--command", ""}, `{"command":[],"mask":["command"]}`},
		{"unicode text is kept", "", []string{"--env", "GREETING=héllo ✓", "--label", "note=日本"},
			`{"env":{"GREETING":{"value":"héllo ✓"}},"labels":{"note":"日本"},"mask":["env","labels"]}`},
		{"user by name", "", []string{"--user", "www-data:www-data"}, `{"user":"www-data:www-data","mask":["user"]}`},
		{"user cleared runs as the image's", "", []string{"--user", ""}, `{"user":"","mask":["user"]}`},
		{"ipv6 host address canonical", "", []string{"--port", "[0:0:0:0:0:0:0:1]:16110:6379"},
			`{"ports":[{"host_ip":"::1","host":16110,"container":6379}],"mask":["ports"]}`},
		{"env, secret env and unset", "", []string{"--env", "A=1", "--env", "B=x=y", "--secret-env", "PW=s3", "--unset-env", "OLD"},
			`{"env":{"A":{"value":"1"},"B":{"value":"x=y"},"PW":{"value":"s3","secret":true}},"unset_env":["OLD"],"mask":["env","unset_env"]}`},
		{"secret from stdin", "from-stdin\n", []string{"--secret-env", "TOKEN=-"}, `{"env":{"TOKEN":{"value":"from-stdin","secret":true}},"mask":["env"]}`},
		{"ports replace the list", "", []string{"--port", "127.0.0.1:5433:5432", "--port", "53/udp"},
			`{"ports":[{"host_ip":"127.0.0.1","host":5433,"container":5432},{"container":53,"protocol":"udp"}],"mask":["ports"]}`},
		{"no ports", "", []string{"--no-ports"}, `{"ports":[],"mask":["ports"]}`},
		{"volumes and labels", "", []string{"--volume", "data:/var/lib/data:ro", "--label", "team=core"},
			`{"labels":{"team":"core"},"volumes":[{"source":"data","target":"/var/lib/data","read_only":true}],"mask":["labels","volumes"]}`},
		{"healthcheck patch", "", []string{"--healthcheck-cmd", "pg_isready -U app", "--healthcheck-interval", "3s", "--healthcheck-retries", "0"},
			`{"healthcheck":{"test":["CMD-SHELL","pg_isready -U app"],"interval":"3s"},"mask":["healthcheck.interval","healthcheck.retries","healthcheck.test"]}`},
		{"interval only keeps the template test", "", []string{"--healthcheck-interval", "3s"}, `{"healthcheck":{"test":null,"interval":"3s"},"mask":["healthcheck.interval"]}`},
		{"no healthcheck", "", []string{"--no-healthcheck"}, `{"healthcheck":{"test":["NONE"]},"mask":["healthcheck"]}`},
		{"healthcheck without a shell", "", []string{"--healthcheck-exec", `/testprog health --url "http://localhost:8080/"`},
			`{"healthcheck":{"test":["CMD","/testprog","health","--url","http://localhost:8080/"]},"mask":["healthcheck.test"]}`},
		{"sensitive file", "", []string{"--file", "/etc/app.conf=@" + conf, "--sensitive"},
			`{"files":{"/etc/app.conf":{"target":"/etc/app.conf","content":"x=1\n","sensitive":true,"source":"` + conf + `"}},"mask":["files"]}`},
		{"copied file", "", []string{"--file", "/etc/app.conf=@" + conf, "--copy"},
			`{"files":{"/etc/app.conf":{"target":"/etc/app.conf","content":"x=1\n"}},"mask":["files"]}`},
		{"domains and disable", "", []string{"--domain", "shop.test", "--disable"}, `{"domains":["shop.test"],"mask":["domains"],"enabled":false}`},
		{"enable", "", []string{"--enable"}, `{"enabled":true}`},
		{"keep exports", "", []string{"--keep-exports"}, `{"keep_exports":true,"mask":["keep_exports"]}`},
		{"every healthcheck field", "", []string{"--healthcheck-exec", "/bin/check", "--healthcheck-interval", "5s", "--healthcheck-timeout", "2s",
			"--healthcheck-start-period", "1m", "--healthcheck-retries", "4"},
			`{"healthcheck":{"test":["CMD","/bin/check"],"interval":"5s","timeout":"2s","start_period":"1m0s","retries":4},` +
				`"mask":["healthcheck.interval","healthcheck.retries","healthcheck.start_period","healthcheck.test","healthcheck.timeout"]}`},
		{"compose fragment", "", []string{"--compose-file", frag}, `{"compose":"shm_size: 1g\n","mask":["compose"]}`},
		{"compose fragment cleared", "", []string{"--compose-file", ""}, `{"mask":["compose"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := setRequest(t, tc.stdin, tc.args...)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if got := asJSON(t, req); got != tc.want {
				t.Errorf("request =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestInstanceSetRequestErrors(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "x.bin")
	if err := os.WriteFile(binary, []byte("\x89PNG\r\n\x1a\n\xff\xfes3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	nul := filepath.Join(dir, "nul.conf")
	if err := os.WriteFile(nul, []byte("key=s3cr3t\x00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badFrag := filepath.Join(dir, "frag.yml")
	if err := os.WriteFile(badFrag, []byte("shm_size: \"\xff\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  []string // substrings of the error
	}{
		{"nothing to change", "", nil, []string{"nothing to change"}},
		{"port not a number", "", []string{"--port", "abc"}, []string{"--port", "not a number"}},
		{"port out of range", "", []string{"--port", "70000:6379"}, []string{"--port", "65535"}},
		{"env without =", "", []string{"--env", "NOVALUE"}, []string{"--env", "KEY=VALUE"}},
		{"set and unset one key", "", []string{"--env", "A=1", "--unset-env", "A"}, []string{"--unset-env", "A"}},
		{"two stdin secrets", "x", []string{"--secret-env", "A=-", "--secret-env", "B=-"}, []string{"stdin"}},
		{"ports and no ports", "", []string{"--port", "80", "--no-ports"}, []string{"--no-ports"}},
		{"relative volume target", "", []string{"--volume", "data:relative"}, []string{"--volume", "absolute"}},
		{"reserved label", "", []string{"--label", "devarch.stack=x"}, []string{"--label", "reserved"}},
		{"bad duration", "", []string{"--healthcheck-interval", "soon"}, []string{"--healthcheck-interval", "soon"}},
		{"no healthcheck with a healthcheck flag", "", []string{"--no-healthcheck", "--healthcheck-retries", "3"}, []string{"--no-healthcheck"}},
		{"shell and exec healthcheck", "", []string{"--healthcheck-cmd", "true", "--healthcheck-exec", "/bin/true"}, []string{"--healthcheck-exec", "--healthcheck-cmd"}},
		{"empty exec healthcheck", "", []string{"--healthcheck-exec", " "}, []string{"--healthcheck-exec", "empty"}},
		{"unbalanced quote", "", []string{"--healthcheck-exec", `/bin/check "x`}, []string{"--healthcheck-exec", "split"}},
		{"file without @", "", []string{"--file", "/etc/a=content"}, []string{"--file", "TARGET=@LOCALPATH"}},
		{"relative file target", "", []string{"--file", "etc/a=@/dev/null"}, []string{"--file", "absolute"}},
		{"unclean file target", "", []string{"--file", "/etc/../a=@/dev/null"}, []string{"--file", "clean"}},
		{"missing local file", "", []string{"--file", "/etc/a=@/nonexistent/file"}, []string{"--file", "/nonexistent/file"}},
		{"sensitive without file", "", []string{"--sensitive"}, []string{"--sensitive"}},
		{"enable and disable", "", []string{"--enable", "--disable"}, []string{"--disable"}},
		{"unbalanced quote", "", []string{"--command", `sh -c "oops`}, []string{"--command"}},
		// Text only: bytes that are not UTF-8 or a NUL are refused before
		// anything is sent, and the value is never shown.
		{"binary config file", "", []string{"--file", "/etc/x.bin=@" + binary},
			[]string{"--file", "/etc/x.bin", "content is not valid UTF-8 text; config files are text (mount binary files with --volume)"}},
		{"config file with NUL", "", []string{"--file", "/etc/x.conf=@" + nul}, []string{"--file", "content contains a NUL byte"}},
		{"env not UTF-8", "", []string{"--env", "TOKEN=s3cr3t\xff"}, []string{"--env", "TOKEN: value is not valid UTF-8 text"}},
		{"env NUL", "", []string{"--env", "TOKEN=s3cr3t\x00"}, []string{"--env", "TOKEN: value contains a NUL byte"}},
		{"secret env NUL", "", []string{"--secret-env", "TOKEN=s3cr3t\x00"}, []string{"--secret-env", "TOKEN: value contains a NUL byte"}},
		{"secret env from empty stdin", "", []string{"--secret-env", "TOKEN=-"}, []string{"--secret-env", "TOKEN=-: stdin is empty"}},
		{"secret env from stdin holding a newline only", "\n", []string{"--secret-env", "TOKEN=-"}, []string{"--secret-env", "TOKEN=-: stdin is empty"}},
		{"secret env from stdin not UTF-8", "s3cr3t\xff\n", []string{"--secret-env", "TOKEN=-"},
			[]string{"--secret-env", "TOKEN: value read from stdin is not valid UTF-8 text"}},
		{"label not UTF-8", "", []string{"--label", "team=s3cr3t\xff"}, []string{"--label", "team: value is not valid UTF-8 text"}},
		{"command not UTF-8", "", []string{"--command", "echo s3cr3t\xff"}, []string{"--command", "value is not valid UTF-8 text"}},
		{"entrypoint NUL", "", []string{"--entrypoint", "s3cr3t\x00", "--entrypoint", "x"}, []string{"--entrypoint", "value contains a NUL byte"}},
		{"healthcheck NUL", "", []string{"--healthcheck-cmd", "s3cr3t\x00"}, []string{"--healthcheck-cmd", "NUL"}},
		{"compose fragment not UTF-8", "", []string{"--compose-file", badFrag}, []string{"--compose-file", "not valid UTF-8"}},
		// restart, user, ports
		{"empty restart", "", []string{"--restart", ""}, []string{"--restart", "is empty; want no, always, on-failure[:N] or unless-stopped"}},
		{"bad restart", "", []string{"--restart", "sometimes"}, []string{"--restart", "not a restart policy"}},
		{"negative replicas", "", []string{"--replicas", "-1"}, []string{"--replicas", "-1 is out of range"}},
		{"user with space", "", []string{"--user", "a b"}, []string{"--user", `"a b" is not a user`}},
		{"user with control char", "", []string{"--user", "root\x07"}, []string{"--user", "not a user"}},
		{"negative port", "", []string{"--port", "-1:5432"}, []string{"--port", "host port -1 is out of range 1-65535"}},
		{"ipv6 with zone", "", []string{"--port", "[fe80::1%eth0]:80:80"}, []string{"--port", "not an IPv6 address"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := setRequest(t, tc.stdin, tc.args...)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"s3cr3t", "\x00", "\xff"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the value (%q)", err, secret)
				}
			}
		})
	}
}

func TestInstanceSetCollectsEveryFieldError(t *testing.T) {
	_, err := setRequest(t, "", "--port", "abc", "--env", "NOVALUE")
	fes := core.AsFieldErrors(err)
	if len(fes) != 2 || fes[0].Field != "--env" && fes[1].Field != "--env" {
		t.Fatalf("field errors = %v; want one for --port and one for --env", fes)
	}
}
