package server

import (
	"encoding/json"
	"net/http"
	"sync"
)

// ndjson writes one JSON value per line, flushing after each, and sends the
// 200 header with the first line (or at start when nothing was written).
type ndjson struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	enc     *json.Encoder
	begun   bool
	failure error
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	return &ndjson{w: w, enc: json.NewEncoder(w)}
}

func (n *ndjson) write(v any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failure != nil {
		return n.failure
	}
	n.beginLocked()
	if err := n.enc.Encode(v); err != nil {
		n.failure = err
		return err
	}
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// start sends the header if no line was written, so an empty stream is a 200.
func (n *ndjson) start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.beginLocked()
}

func (n *ndjson) started() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.begun
}

func (n *ndjson) beginLocked() {
	if n.begun {
		return
	}
	n.begun = true
	n.w.Header().Set("Content-Type", "application/x-ndjson")
	n.w.WriteHeader(http.StatusOK)
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
}
