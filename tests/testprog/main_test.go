package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("TESTPROG_MARK", "here")
	host, _ := os.Hostname()
	tests := []struct {
		path     string
		code     int
		contains string
	}{
		{"/", http.StatusOK, host},
		{"/health", http.StatusOK, "ok"},
		{"/env", http.StatusOK, `"TESTPROG_MARK": "here"`},
		{"/resolve?name=localhost", http.StatusOK, "127.0.0.1"},
		{"/resolve?name=no-such-host.invalid", http.StatusBadGateway, ""},
		{"/dial?addr=" + l.Addr().String(), http.StatusOK, "ok"},
		{"/dial?addr=127.0.0.1:1", http.StatusBadGateway, ""},
		{"/nope", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, rec.Code, rec.Body, tt.code, tt.contains)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		cmd      string
		args     []string
		code     int
		contains string
	}{
		{"health", []string{srv.URL + "/health"}, 0, ""},
		{"health", []string{srv.URL + "/missing"}, 1, ""},
		{"resolve", []string{"localhost"}, 0, "127.0.0.1"},
		{"resolve", []string{"no-such-host.invalid"}, 1, ""},
		{"resolve", nil, 2, ""},
		{"dial", []string{l.Addr().String()}, 0, "ok"},
		{"dial", []string{"127.0.0.1:1"}, 1, ""},
		{"listen", nil, 2, ""},
		{"bogus", nil, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.cmd, tt.args, &out, &errOut); code != tt.code || !strings.Contains(out.String(), tt.contains) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d with %q", code, out.String(), errOut.String(), tt.code, tt.contains)
			}
		})
	}
}

func TestEnvCommand(t *testing.T) {
	t.Setenv("TESTPROG_MARK", "x=y")
	var out bytes.Buffer
	if code := run("env", nil, &out, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var env map[string]string
	if err := json.Unmarshal(out.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if env["TESTPROG_MARK"] != "x=y" {
		t.Errorf("TESTPROG_MARK = %q, want x=y", env["TESTPROG_MARK"])
	}
}

func TestListenAll(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := listenAll([]string{itoa(port)}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := dial(net.JoinHostPort("127.0.0.1", itoa(port))); err != nil {
		t.Errorf("dial listened port: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCatCommand(t *testing.T) {
	f := t.TempDir() + "/conf"
	if err := os.WriteFile(f, []byte("greeting=hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{f}, 0, "greeting=hi\n"},
		{[]string{f, f}, 0, "greeting=hi\ngreeting=hi\n"},
		{[]string{f + ".missing"}, 1, ""},
		{nil, 2, ""},
	} {
		var out, errOut bytes.Buffer
		if code := run("cat", tt.args, &out, &errOut); code != tt.code || out.String() != tt.out {
			t.Errorf("cat %v: exit %d stdout %q stderr %q; want exit %d with %q", tt.args, code, out.String(), errOut.String(), tt.code, tt.out)
		}
	}
}

func TestWriteCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		code int
		want string // the file's content after, when written
	}{
		{[]string{dir + "/data", "hello"}, 0, "hello"},
		{[]string{dir + "/data", "again"}, 0, "again"},
		{[]string{dir + "/missing/data", "x"}, 1, ""},
		{[]string{dir + "/data"}, 2, ""},
	} {
		var out, errOut bytes.Buffer
		if code := run("write", tt.args, &out, &errOut); code != tt.code {
			t.Errorf("write %v: exit %d stderr %q; want exit %d", tt.args, code, errOut.String(), tt.code)
			continue
		}
		if tt.want == "" {
			continue
		}
		if b, err := os.ReadFile(tt.args[0]); err != nil || string(b) != tt.want {
			t.Errorf("write %v: file holds %q, %v; want %q", tt.args, b, err, tt.want)
		}
	}
}
