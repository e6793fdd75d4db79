// Package engineapi reads containers and images from a Docker Engine over its API socket, without starting a CLI process per question.
//
// It covers only the read-only questions a plan asks on every run (which
// containers carry a stack's labels, what each one is, which image a
// reference names); everything that changes the engine stays with the
// docker CLI and compose. The API is the same one the docker CLI speaks:
// the version is the engine's own, learned from /_ping once per Client.
package engineapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxBody bounds what one answer may hold (a listing of every container
// of a busy host is well under it).
const maxBody = 64 << 20

// Client asks one engine over its Unix socket.
type Client struct {
	socket string
	http   *http.Client

	mu      sync.Mutex
	version string        // "v1.41": the engine's API version, from /_ping
	pinging chan struct{} // closed when the ping in flight ends
}

// New returns a client of the engine listening on the Unix socket path. It
// connects on the first request.
func New(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 8,
		// The daemon keeps one client per socket for its life; a
		// connection idle this long is closed rather than held open.
		IdleConnTimeout:    90 * time.Second,
		DisableCompression: true,
	}
	return &Client{socket: socket, http: &http.Client{Transport: tr}}
}

// Socket is the path of the socket c asks.
func (c *Client) Socket() string { return c.socket }

// Close drops c's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// UnreachableError is a request that never got an answer: the socket
// could not be dialled or the connection broke.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "engine API unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is an *UnreachableError.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

// StatusError is an answer other than success, with the engine's message.
type StatusError struct {
	Status  int
	Message string

	version string // the API version the answer says the engine speaks, "v1.41"
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("engine API: %s (HTTP %d)", e.Message, e.Status)
}

// IsNotFound reports whether err is the engine's 404: no such container or image.
func IsNotFound(err error) bool {
	var s *StatusError
	return errors.As(err, &s) && s.Status == http.StatusNotFound
}

// apiVersion is the engine's API version, asked until an answer gives it:
// one ping at a time, which the requests arriving meanwhile wait for,
// each until its own context ends (a ping that hangs on a stuck engine
// holds no other request), then ask again if it failed.
func (c *Client) apiVersion(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		if v := c.version; v != "" {
			c.mu.Unlock()
			return v, nil
		}
		if inFlight := c.pinging; inFlight != nil {
			c.mu.Unlock()
			select {
			case <-inFlight:
				continue
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		done := make(chan struct{})
		c.pinging = done
		c.mu.Unlock()

		v, err := c.ping(ctx)
		c.mu.Lock()
		if err == nil && c.version == "" {
			c.version = v
		}
		c.pinging = nil
		close(done)
		c.mu.Unlock()
		return v, err
	}
}

// ping asks the engine's API version, "v1.41".
func (c *Client) ping(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://engine/_ping", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &UnreachableError{Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	hv := resp.Header.Get("Api-Version")
	if resp.StatusCode != http.StatusOK || !validVersion(hv) {
		return "", &StatusError{Status: resp.StatusCode, Message: fmt.Sprintf("ping answered API version %q", hv)}
	}
	return "v" + hv, nil
}

// validVersion accepts "1.41": digits, one dot, digits.
func validVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	return ok && digits(major) && digits(minor)
}

func digits(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// get decodes the JSON answer to GET path?query into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	v, err := c.apiVersion(ctx)
	if err != nil {
		return err
	}
	err = c.getAt(ctx, v, path, query, out)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest && se.version != "" && se.version != v {
		// The engine behind the socket is not the one whose version was
		// learned (restarted older, or another engine behind the same
		// path) and refuses v as too new: ask again at its version.
		c.mu.Lock()
		if c.version == v {
			c.version = se.version
		}
		c.mu.Unlock()
		return c.getAt(ctx, se.version, path, query, out)
	}
	return err
}

// getAt is get at API version v.
func (c *Client) getAt(ctx context.Context, v, path string, query url.Values, out any) error {
	u := "http://engine/" + v + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{Err: err}
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxBody)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		data, _ := io.ReadAll(io.LimitReader(body, 64<<10))
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		se := &StatusError{Status: resp.StatusCode, Message: e.Message}
		if hv := resp.Header.Get("Api-Version"); validVersion(hv) {
			se.version = "v" + hv
		}
		return se
	}
	if err := json.NewDecoder(body).Decode(out); err != nil {
		return fmt.Errorf("engine API %s: decode answer: %w", path, err)
	}
	// The decoder stops at the end of the JSON value: the engine's
	// trailing newline, or the end of a chunked answer, may still be
	// unread, and a body closed before its end closes its connection
	// instead of returning it to the idle pool.
	_, _ = io.Copy(io.Discard, body)
	return nil
}

// Listed is one container of a listing: the engine answers a listing
// from a snapshot of its containers, without waiting for any container's
// lock (which starting containers and running healthchecks hold), so it is
// all a plan reads.
type Listed struct {
	ID      string            `json:"Id"`
	Names   []string          `json:"Names"`   // "/name"
	Image   string            `json:"Image"`   // the reference it was created from (its image ID once that reference names another image)
	ImageID string            `json:"ImageID"` // "sha256:HEX"
	State   string            `json:"State"`   // running, exited, created, ...
	Status  string            `json:"Status"`  // "Up 3 seconds (healthy)"
	Labels  map[string]string `json:"Labels"`
	Ports   []ListedPort      `json:"Ports"`
	// Health is set by engines whose API is 1.52 or newer; older ones
	// tell health only at the end of Status.
	Health *struct {
		Status string `json:"Status"`
	} `json:"Health,omitempty"`
}

// ListedPort is one port of a listed container; PublicPort is 0 when the
// port is not published.
type ListedPort struct {
	IP          string `json:"IP"`
	PrivatePort int    `json:"PrivatePort"`
	PublicPort  int    `json:"PublicPort"`
	Type        string `json:"Type"`
}

// Containers lists every container, running or not, carrying all of
// labels ("key=value" each); no labels lists every container of the engine.
func (c *Client) Containers(ctx context.Context, labels ...string) ([]Listed, error) {
	q := url.Values{"all": {"1"}}
	if len(labels) > 0 {
		f, err := json.Marshal(map[string][]string{"label": labels})
		if err != nil {
			return nil, err
		}
		q.Set("filters", string(f))
	}
	var out []Listed
	if err := c.get(ctx, "/containers/json", q, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ImageID is the ID of the local image ref names ("sha256:HEX"); a
// missing image is an error IsNotFound accepts.
func (c *Client) ImageID(ctx context.Context, ref string) (string, error) {
	for _, part := range strings.Split(ref, "/") {
		if part == "" || part == "." || part == ".." {
			return "", &StatusError{Status: http.StatusBadRequest, Message: fmt.Sprintf("invalid reference format: %q", ref)}
		}
	}
	var img struct {
		ID string `json:"Id"`
	}
	if err := c.get(ctx, "/images/"+escapeRef(ref)+"/json", nil, &img); err != nil {
		return "", err
	}
	if img.ID == "" {
		return "", &StatusError{Status: http.StatusOK, Message: "image " + ref + " answered without an ID"}
	}
	return img.ID, nil
}

// escapeRef escapes each '/'-separated part of an image reference: the
// engine's route takes the name with its slashes.
func escapeRef(ref string) string {
	parts := strings.Split(ref, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
