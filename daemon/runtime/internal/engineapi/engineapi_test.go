package engineapi

import (
	"context"
	"encoding/json"
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
