package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

func TestSetSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pw := write("pw", "from-file\n")
	pem := write("key.pem", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n")
	crlf := write("crlf", "windows\r\n")
	nul := write("nul", "a\x00b")
	tests := []struct {
		name        string
		args        []string
		stdin       string
		fileOnStdin bool
		want        map[string]string
		wantErr     []string
	}{
		{name: "plain", args: []string{"db.PW=s3cret", "x.Y=a=b"}, want: map[string]string{"db.PW": "s3cret", "x.Y": "a=b"}},
		{name: "stdin drops one newline", args: []string{"db.PW=-"}, stdin: "from-stdin\n\n", want: map[string]string{"db.PW": "from-stdin\n"}},
		{name: "file drops one newline", args: []string{"db.PW=@" + pw, "a.B=@" + crlf}, want: map[string]string{"db.PW": "from-file", "a.B": "windows"}},
		{name: "config file content is exact", args: []string{"instances.api.files./etc/key.pem=@" + pem, "templates.t.files./k=-"}, stdin: "line\n",
			want: map[string]string{"instances.api.files./etc/key.pem": "-----BEGIN KEY-----\nabc\n-----END KEY-----\n", "templates.t.files./k": "line\n"}},
		{name: "one stdin only", args: []string{"a.B=-", "c.D=-"}, stdin: "x", wantErr: []string{"c.D=-", "only one value can be read from stdin", "a.B=-"}},
		{name: "empty stdin", args: []string{"a.B=-"}, stdin: "", wantErr: []string{"a.B=-", "stdin is empty"}},
		{name: "stdin holding a newline only", args: []string{"a.B=-"}, stdin: "\n", wantErr: []string{"a.B=-", "stdin is empty"}},
		{name: "stdin holds the file", args: []string{"a.B=-"}, fileOnStdin: true, wantErr: []string{"stdin already holds the file"}},
		{name: "missing file", args: []string{"a.B=@" + filepath.Join(dir, "nope")}, wantErr: []string{"a.B=@", "no such file"}},
		{name: "empty file name", args: []string{"a.B=@"}, wantErr: []string{"names no file"}},
		{name: "NUL byte", args: []string{"a.B=@" + nul}, wantErr: []string{"a.B", "NUL"}},
		{name: "no value", args: []string{"a.B"}, wantErr: []string{"INSTANCE.KEY=VALUE"}},
		{name: "twice", args: []string{"a.B=1", "a.B=2"}, wantErr: []string{"given twice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := setSecrets(tc.args, strings.NewReader(tc.stdin), tc.fileOnStdin)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				for _, secret := range []string{"s3cret", "from-file", "BEGIN KEY"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error shows a value: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestImportSendsSecretsFromStdin(t *testing.T) {
	var got api.ImportRequest
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.ImportResult{Stack: "rt", Created: true})
	})
	file := filepath.Join(t.TempDir(), "devarch.yml")
	if err := os.WriteFile(file, []byte("version: 1\nstack: {name: rt}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, out, errOut := fakeDaemon(t, h, "piped-secret\n")
	if code := c.execute(context.Background(), []string{"import", file, "--set-secret", "db.PW=-"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got.SetSecrets["db.PW"] != "piped-secret" {
		t.Errorf("set secrets = %q", got.SetSecrets)
	}
	c, out, errOut = fakeDaemon(t, h, "version: 1\nstack: {name: rt}\n")
	if code := c.execute(context.Background(), []string{"import", "-", "--set-secret", "db.PW=-"}); code != 1 || !strings.Contains(errOut.String(), "stdin already holds the file") {
		t.Errorf("file and secret both on stdin: exit %d\n%s%s", code, out, errOut)
	}
	c, out, _ = fakeDaemon(t, h, "")
	c.execute(context.Background(), []string{"import", "--help"})
	for _, w := range []string{"KEY=- reads the value from stdin", "KEY=@PATH reads it from the file PATH"} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), w) {
			t.Errorf("import --help lacks %q:\n%s", w, out)
		}
	}
}
