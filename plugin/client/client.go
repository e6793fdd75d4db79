// Package client talks to the devarch daemon over its Unix socket.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// SocketName is the daemon socket's file name inside the devarch home.
const SocketName = api.SocketName

// SocketPath returns the daemon socket of home.
func SocketPath(home string) string { return filepath.Join(home, SocketName) }

// maxLine bounds one line of a stream (a log line or an event).
const maxLine = 4 << 20

// Client calls the daemon's API. It is safe for concurrent use.
type Client struct {
	socket string
	hc     *http.Client
}

// dialError marks a failure to reach the socket, as opposed to a failure
// after the daemon accepted the connection.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// New returns a client for the daemon listening on socketPath. Nothing is
// dialed until the first call.
func New(socketPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "unix", socketPath)
			if err != nil {
				return nil, &dialError{err: err}
			}
			return conn, nil
		},
		MaxIdleConns:       4,
		IdleConnTimeout:    30 * time.Second,
		DisableCompression: true,
	}
	return &Client{socket: socketPath, hc: &http.Client{Transport: tr}}
}

// Socket returns the socket path the client dials.
func (c *Client) Socket() string { return c.socket }

// request describes one call: a route of api.Routes with the values of its
// path's wildcards, in order.
type request struct {
	route api.Route
	args  []string
	query url.Values
	body  any
}

// where is the request's method and full path, for messages.
func (r request) where() string {
	path, err := r.route.URLPath(r.args...)
	if err != nil {
		path = r.route.Path
	}
	return r.route.Method + " " + api.Prefix + path
}

// send performs r and returns the response when its status is 2xx; any
// other status is decoded into *Error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	path, err := r.route.URLPath(r.args...)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encode %s request: %w", r.where(), err)
		}
		body = bytes.NewReader(b)
	}
	u := "http://devarch" + api.Prefix + path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.route.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %w", r.where(), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/x-ndjson")
	resp, err := c.hc.Do(req)
	if err != nil {
		var de *dialError
		if errors.As(err, &de) {
			return nil, &UnavailableError{Socket: c.socket, Err: de.err}
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if lost := lostConnection(r.where(), err); lost != nil {
			return nil, lost
		}
		return nil, fmt.Errorf("%s: %w", r.where(), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

// decodeError turns a non-2xx response into *Error.
func decodeError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &Error{Status: resp.StatusCode}
	var eb api.ErrorBody
	if err := json.Unmarshal(b, &eb); err == nil && eb.Error != nil {
		e.APIError = *eb.Error
		return e
	}
	e.Code = api.CodeForStatus(resp.StatusCode)
	if msg := strings.TrimSpace(string(b)); msg != "" && len(msg) < 512 {
		e.Message = msg
	}
	return e
}

// call performs r and decodes a JSON answer into out (nil: discard it).
func (c *Client) call(ctx context.Context, r request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if lost := lostConnection(r.where(), err); lost != nil {
			return lost
		}
		return fmt.Errorf("decode answer of %s: %w", r.where(), err)
	}
	return nil
}

// stream performs r and decodes newline-delimited JSON, calling fn with a
// fresh T for every line until the stream ends, fn fails or ctx is done.
func stream[T any](ctx context.Context, c *Client, r request, fn func(T) error) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return fmt.Errorf("decode stream line of %s: %w", r.where(), err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if lost := lostConnection(r.where(), err); lost != nil {
			return lost
		}
		return fmt.Errorf("read stream of %s: %w", r.where(), err)
	}
	return nil
}

// runtimeQuery encodes a RuntimeSpec as the query parameters GET routes take:
// kind, binary and repeated env=KEY=VALUE.
func runtimeQuery(rt api.RuntimeSpec) url.Values {
	q := url.Values{}
	if rt.Kind != "" {
		q.Set("kind", rt.Kind)
	}
	if rt.Binary != "" {
		q.Set("binary", rt.Binary)
	}
	for _, k := range slices.Sorted(maps.Keys(rt.Env)) {
		q.Add("env", k+"="+rt.Env[k])
	}
	return q
}
