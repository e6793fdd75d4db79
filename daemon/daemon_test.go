package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// unixClient is an HTTP client that dials sock.
func unixClient(sock string) *http.Client {
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}},
	}
}

// startDaemon runs Run on home and waits until its socket answers.
func startDaemon(t *testing.T, home string, logw io.Writer) (<-chan error, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Home: home, Log: logw}) }()
	client := unixClient(SocketPath(home))
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get("http://devarch/v1/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("daemon exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("daemon did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(cancel)
	return done, cancel
}

func TestRunSocketAndSecondDaemon(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	var logBuf strings.Builder
	done, _ := startDaemon(t, home, &syncWriter{w: &logBuf})
	sock := SocketPath(home)

	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v, want socket 0600", fi.Mode())
	}
	if hi, err := os.Stat(home); err != nil || hi.Mode().Perm() != 0o700 {
		t.Errorf("home mode = %v (%v), want 0700", hi.Mode(), err)
	}
	pid, err := os.ReadFile(filepath.Join(home, "daemon.pid"))
	if err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file = %q (%v)", pid, err)
	}

	// The real peer check passes over the socket.
	client := unixClient(sock)
	resp, err := client.Get("http://devarch/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st api.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || st.Home != home || st.SchemaVersion == 0 {
		t.Errorf("status %d %+v", resp.StatusCode, st)
	}

	err = Run(context.Background(), Config{Home: home, Log: io.Discard})
	want := "another devarch daemon is running on " + home + " (pid " + strconv.Itoa(os.Getpid()) + ")"
	if err == nil || err.Error() != want {
		t.Errorf("second Run = %v, want %q", err, want)
	}

	resp, err = client.Post("http://devarch/v1/shutdown", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after shutdown = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not stop after POST /v1/shutdown")
	}
	if _, err := os.Stat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "daemon.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file left behind: %v", err)
	}
	if !strings.Contains(logBuf.String(), "daemon started") {
		t.Errorf("log lacks start line:\n%s", logBuf.String())
	}

	// A stale socket file does not stop the next daemon.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	done, cancel := startDaemon(t, home, io.Discard)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
}

// srvSecret is a secret value the daemon's log must never hold.
const srvSecret = "sv-Pw93-must-not-leak"

func TestRunWritesLogFileWithoutSecrets(t *testing.T) {
	home := t.TempDir()
	done, cancel := startDaemon(t, home, nil)
	client := unixClient(SocketPath(home))
	body := `{"name":"shop"}`
	resp, err := client.Post("http://devarch/v1/stacks", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	body = `{"name":"db","template":"postgres"}`
	resp, err = client.Post("http://devarch/v1/stacks/shop/instances", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("PATCH", "http://devarch/v1/stacks/shop/instances/db",
		strings.NewReader(`{"env":{"POSTGRES_PASSWORD":{"value":"`+srvSecret+`","secret":true}},"mask":["env"]}`))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "daemon.log")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("daemon.log mode = %v (%v), want 0600", fi, err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "instance changed") {
		t.Errorf("log lacks the change:\n%s", data)
	}
	if strings.Contains(string(data), srvSecret) {
		t.Errorf("daemon.log contains secret %q:\n%s", srvSecret, data)
	}
}

// syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestRunRefusesLockedDatabase(t *testing.T) {
	home := t.TempDir()
	st, err := store.OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := os.WriteFile(filepath.Join(home, "daemon.pid"), []byte("4711\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), Config{Home: home, Log: io.Discard})
	want := "another devarch daemon is running on " + home + " (pid 4711)"
	if err == nil || err.Error() != want {
		t.Errorf("Run on a locked database = %v, want %q", err, want)
	}
	if _, err := os.Stat(SocketPath(home)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket created despite the refusal: %v", err)
	}
}
