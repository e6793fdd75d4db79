package engineapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// engine serves handler on a Unix socket and counts the connections
// clients open to it.
func engine(t *testing.T, handler http.HandlerFunc) (socket string, conns *atomic.Int64) {
	t.Helper()
	dir, err := os.MkdirTemp("", "eapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket = filepath.Join(dir, "engine.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	conns = &atomic.Int64{}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_ping" {
				w.Header().Set("Api-Version", "1.41")
				w.Write([]byte("OK"))
				return
			}
			handler(w, r)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return socket, conns
}

// TestConnectionReused: the engine ends every JSON answer with a newline
// (its encoder's), and a large answer comes chunked; a client that stops
// reading at the end of the JSON value (before the chunked answer's end
// arrived) must still reuse its connection,
// not dial a new one for every request of a plan.
func TestConnectionReused(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	socket, conns := engine(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		switch {
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			enc.Encode([]map[string]any{{"Id": "c1", "Names": []string{"/a"}, "Pad": big}})
		case strings.HasPrefix(r.URL.Path, "/v1.41/images/"):
			enc.Encode(map[string]any{"Id": "sha256:1", "Pad": big})
		default:
			http.NotFound(w, r)
			return
		}
		// The answer's last chunk goes out on its own, after the JSON.
		w.(http.Flusher).Flush()
		time.Sleep(time.Millisecond)
	})
	c := New(socket)
	defer c.Close()
	ctx := context.Background()
	for range 10 {
		if ls, err := c.Containers(ctx, "a=b"); err != nil || len(ls) != 1 {
			t.Fatalf("Containers = %v, %v", ls, err)
		}
		if id, err := c.ImageID(ctx, "example.com/x:1"); err != nil || id != "sha256:1" {
			t.Fatalf("ImageID = %q, %v", id, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("21 sequential requests opened %d connections, want 1", n)
	}
}

// versionedEngine serves a listing on socket as an engine whose API is at
// most version: it refuses a newer one as the Docker Engine does.
func versionedEngine(t *testing.T, socket, version string) *http.Server {
	t.Helper()
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", version)
		if r.URL.Path == "/_ping" {
			w.Write([]byte("OK"))
			return
		}
		if asked, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v"), "/"); asked != version {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"message":"client version %s is too new. Maximum supported API version is %s"}`, asked, version)
			return
		}
		json.NewEncoder(w).Encode([]map[string]any{{"Id": "c-" + version}})
	})}
	go srv.Serve(l)
	return srv
}

// TestEngineReplacedByOlder: the version learned from the first engine is
// not kept once the socket answers for an older one (restarted at an older
// release, or another engine behind the same path): the next request still
// gets its answer.
func TestEngineReplacedByOlder(t *testing.T) {
	dir, err := os.MkdirTemp("", "eapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "engine.sock")
	c := New(socket)
	defer c.Close()
	ctx := context.Background()

	first := versionedEngine(t, socket, "1.45")
	if ls, err := c.Containers(ctx); err != nil || len(ls) != 1 || ls[0].ID != "c-1.45" {
		t.Fatalf("first engine: %v, %v", ls, err)
	}
	first.Close()
	os.Remove(socket)
	second := versionedEngine(t, socket, "1.41")
	defer second.Close()
	for i := range 2 {
		if ls, err := c.Containers(ctx); err != nil || len(ls) != 1 || ls[0].ID != "c-1.41" {
			t.Fatalf("request %d to the older engine: %v, %v", i, ls, err)
		}
	}
}

// TestStuckPingHoldsNoOtherRequest: while one request waits for the ping
// of an engine that does not answer, another request whose context ends
// returns at once with its context's error, rather than waiting for the
// first.
func TestStuckPingHoldsNoOtherRequest(t *testing.T) {
	release := make(chan struct{})
	pinged := make(chan struct{}, 4)
	dir, err := os.MkdirTemp("", "eapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "engine.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pinged <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(l)
	defer srv.Close()
	defer close(release)

	c := New(socket)
	defer c.Close()
	first, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	go c.Containers(first)
	<-pinged

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := c.Containers(ctx); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Containers = %v, want its context's deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request whose context ended still waits for another request's ping")
	}
}
