package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// serve starts an httptest server on a Unix socket and returns a client for it.
func serve(t *testing.T, h http.Handler) *Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "dvc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, SocketName)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return New(sock)
}

func writeErr(w http.ResponseWriter, status int, e api.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(api.ErrorBody{Error: &e})
}

func TestErrorsAreTyped(t *testing.T) {
	lock := &api.LockInfo{Stack: "shop", Operation: "apply", JobID: "j1", Who: "me@box", PID: 7}
	cases := []struct {
		name   string
		status int
		body   api.Error
		is     func(error) bool
		hint   string
	}{
		{"not found", 404, api.Error{Code: api.CodeNotFound, Message: `stack "x" not found`, Hint: "run `stack ls`"}, IsNotFound, "run `stack ls`"},
		{"invalid", 400, api.Error{Code: api.CodeInvalid, Message: "bad", Fields: []*core.FieldError{core.Errf("ports[0]", "out of range")}}, IsInvalid, ""},
		{"locked", 423, api.Error{Code: api.CodeLocked, Message: `stack "shop" is locked`, Lock: lock,
			Hint: "wait for the running apply (job j1, `devarch jobs attach j1`) to finish, then retry"}, IsLocked, "jobs attach j1"},
		{"locked without a hint", 423, api.Error{Code: api.CodeLocked, Message: `stack "shop" is locked`, Lock: lock}, IsLocked, ""},
		{"stale", 409, api.Error{Code: api.CodeStalePlan, Message: "stale"}, IsStalePlan, ""},
		{"conflict", 409, api.Error{Code: api.CodeConflict, Message: "exists"}, IsConflict, ""},
		{"runtime", 502, api.Error{Code: api.CodeRuntime, Message: "port already allocated"}, IsRuntime, ""},
	}
	preds := []func(error) bool{IsNotFound, IsInvalid, IsLocked, IsStalePlan, IsConflict, IsRuntime, IsDaemonUnavailable}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeErr(w, tc.status, tc.body)
			}))
			_, err := c.Stack(context.Background(), "x")
			if err == nil {
				t.Fatal("want an error")
			}
			matched := 0
			for _, p := range preds {
				if p(err) {
					matched++
				}
			}
			if !tc.is(err) || matched != 1 {
				t.Fatalf("error %v (%T): predicate mismatch (matched %d)", err, err, matched)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %T", err)
			}
			if ce.Status != tc.status || ce.Message != tc.body.Message || ce.Code != tc.body.Code {
				t.Errorf("decoded %+v; want status %d and %+v", ce, tc.status, tc.body)
			}
			want := tc.body.Message
			if tc.body.Fields != nil {
				want += ": ports[0]: out of range" // fields the message does not spell out are appended
			}
			if err.Error() != want {
				t.Errorf("Error() = %q; want %q", err.Error(), want)
			}
			if !strings.Contains(ce.Hint(), tc.hint) {
				t.Errorf("Hint() = %q; want it to contain %q", ce.Hint(), tc.hint)
			}
			if ce.Hint() != tc.body.Hint {
				t.Errorf("Hint() = %q; want the daemon's hint %q and nothing of the client's own", ce.Hint(), tc.body.Hint)
			}
			if tc.body.Fields != nil && (len(ce.Fields) != 1 || ce.Fields[0].Field != "ports[0]") {
				t.Errorf("fields = %+v", ce.Fields)
			}
			if tc.body.Lock != nil && (ce.Lock == nil || ce.Lock.JobID != "j1") {
				t.Errorf("lock = %+v", ce.Lock)
			}
		})
	}
}

func TestErrorWithoutShape(t *testing.T) {
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such route", http.StatusNotFound)
	}))
	_, err := c.Jobs(context.Background())
	if !IsNotFound(err) || !strings.Contains(err.Error(), "no such route") {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorMessageNotRepeated(t *testing.T) {
	d := core.Diagnostic{Severity: core.SeverityError, Instance: "api", Message: "no provider"}
	e := &Error{Status: 400, APIError: APIError{Code: api.CodeInvalid, Message: "instance api: no provider", Diagnostics: []core.Diagnostic{d}}}
	if e.Error() != "instance api: no provider" {
		t.Errorf("Error() = %q; the message already holds the diagnostic", e.Error())
	}
	var de *core.DiagnosticsError
	if !errors.As(e, &de) || len(de.Diagnostics) != 1 {
		t.Errorf("diagnostics not reachable through errors.As")
	}
}

func TestDaemonUnavailable(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), SocketName))
	_, err := c.Status(context.Background())
	if !IsDaemonUnavailable(err) || IsNotFound(err) {
		t.Fatalf("err = %v (%T); want unavailable", err, err)
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) || ue.Hint() == "" {
		t.Fatalf("want *UnavailableError with a hint, got %T", err)
	}
}

func TestRequestsReachTheirRoutes(t *testing.T) {
	var got []string
	var setBody core.InstanceUpdate
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		if r.Method == http.MethodPatch {
			json.NewDecoder(r.Body).Decode(&setBody)
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/ps"):
			w.Write([]byte(`[{"instance":"db","name":"devarch-shop-db","state":"running"}]`))
		case r.Method == http.MethodDelete:
			w.Write([]byte(`{}`))
		default:
			w.Write([]byte(`{"stack":"shop"}`))
		}
	}))
	ctx := context.Background()
	img := "docker.io/library/postgres:16"
	if _, err := c.SetInstance(ctx, "shop", "db", core.InstanceUpdate{Overrides: core.Overrides{Image: &img}, Mask: []string{"image"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instance(ctx, "shop", "db", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unwire(ctx, "shop", "api", "db"); err != nil {
		t.Fatal(err)
	}
	cs, err := c.PS(ctx, "shop", api.RuntimeSpec{Kind: "docker", Env: map[string]string{"DOCKER_CONTEXT": "x", "DOCKER_HOST": "unix:///d.sock"}})
	if err != nil || len(cs) != 1 || cs[0].Name != "devarch-shop-db" {
		t.Fatalf("ps = %+v, %v", cs, err)
	}
	want := []string{
		"PATCH /v1/stacks/shop/instances/db?",
		"GET /v1/stacks/shop/instances/db?effective=1",
		"DELETE /v1/stacks/shop/wires?consumer=api&import=db",
		"GET /v1/stacks/shop/ps?env=DOCKER_CONTEXT%3Dx&env=DOCKER_HOST%3Dunix%3A%2F%2F%2Fd.sock&kind=docker",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if setBody.Image == nil || *setBody.Image != img || !slices.Equal(setBody.Mask, []string{"image"}) {
		t.Errorf("PATCH body = %+v", setBody)
	}
}

func TestJobEventsStream(t *testing.T) {
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") != "1" {
			t.Errorf("follow not set: %s", r.URL)
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		enc.Encode(api.Event{JobID: "j", Instance: "db", Message: "creating"})
		w.(http.Flusher).Flush()
		enc.Encode(api.Event{JobID: "j", Message: "done", State: api.JobSucceeded})
	}))
	var evs []api.Event
	err := c.JobEvents(context.Background(), "j", true, func(e api.Event) error {
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Instance != "db" || evs[1].State != api.JobSucceeded {
		t.Fatalf("events = %+v", evs)
	}
	stop := errors.New("stop")
	err = c.JobEvents(context.Background(), "j", true, func(api.Event) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("callback error not returned: %v", err)
	}
}

func TestEnsureDaemonReportsStartFailure(t *testing.T) {
	home, err := os.MkdirTemp("", "dvh-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	if err := os.WriteFile(filepath.Join(home, LogName), []byte("line one\nkey file is readable by others\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(home, "fake-daemon")
	script := "#!/bin/sh\necho \"refusing: $*\" >&2\nexit 3\n"
	if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	err = EnsureDaemon(context.Background(), home, exe)
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("want *StartError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"refusing: daemon run --home " + home, "key file is readable by others", home} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestEnsureDaemonUsesRunningDaemon(t *testing.T) {
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"pid":1,"version":"x"}`))
	}))
	home := filepath.Dir(c.Socket())
	if err := EnsureDaemon(context.Background(), home, "/nonexistent/devarch"); err != nil {
		t.Fatalf("a daemon answering should be used as it is: %v", err)
	}
}

func TestDaemonEnvironDropsPluginAndOtherVariables(t *testing.T) {
	got := daemonEnviron([]string{"PATH=/bin", "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND=docker", "DOCKER_HOST=unix:///d.sock",
		"DOCKER_CLI_PLUGIN_SOCKET=@abc", "HOME=/root", "DEVARCH_PASSPHRASE=pp", "SECRET_X=1"})
	want := []string{"PATH=/bin", "DOCKER_HOST=unix:///d.sock", "HOME=/root"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("daemon environment = %q; want %q", got, want)
	}
}

// TestEnsureDaemonStartsOverDyingDaemon checks that a socket whose daemon
// is dying (it still accepts connections, then closes them unanswered, as a
// killed daemon's socket does until the kernel has closed it) counts as no
// daemon: EnsureDaemon starts one instead of failing on the closed
// connection.
func TestEnsureDaemonStartsOverDyingDaemon(t *testing.T) {
	tests := []struct {
		name  string
		close func(conn net.Conn) // reads the request (or part of it), then closes
	}{
		{"reset with the request unread", func(conn net.Conn) {
			conn.Read(make([]byte, 1))
			conn.Close()
		}},
		{"closed after the request was read", func(conn net.Conn) {
			http.ReadRequest(bufio.NewReader(conn))
			conn.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, err := os.MkdirTemp("", "dvh-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(home) })
			ln, err := net.Listen("unix", SocketPath(home))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					tt.close(conn)
				}
			}()
			started := filepath.Join(home, "started")
			exe := filepath.Join(home, "fake-daemon")
			script := "#!/bin/sh\ntouch " + started + "\necho \"refusing: $*\" >&2\nexit 3\n"
			if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			err = EnsureDaemon(context.Background(), home, exe)
			if _, serr := os.Stat(started); serr != nil {
				t.Fatalf("EnsureDaemon did not start a daemon over the dying one's socket; it returned %v", err)
			}
			var se *StartError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "refusing: daemon run --home "+home) {
				t.Errorf("EnsureDaemon = %v; want the start failure of the daemon it started", err)
			}
		})
	}
}

// TestDaemonConnectionLost checks a daemon that dies while it answers (a
// crash, kill -9): the error says so, in words, for a request and for a
// stream, with a hint that the change may have been made, instead of the
// transport's "EOF".
func TestDaemonConnectionLost(t *testing.T) {
	c := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") == "1" {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("Content-Length", "1000")
			json.NewEncoder(w).Encode(api.Event{JobID: "j", Message: "creating"})
			w.(http.Flusher).Flush()
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	for name, call := range map[string]func() error{
		"request": func() error { _, err := c.Status(context.Background()); return err },
		"stream": func() error {
			return c.JobEvents(context.Background(), "j", true, func(api.Event) error { return nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			var le *ConnectionLostError
			if !errors.As(err, &le) || !IsConnectionLost(err) {
				t.Fatalf("err = %v (%T); want *ConnectionLostError", err, err)
			}
			if !strings.Contains(err.Error(), "the devarch daemon closed the connection") || !strings.Contains(le.Hint(), "may have been made") {
				t.Errorf("error = %q, hint = %q", err, le.Hint())
			}
		})
	}
}
