package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"

	"github.com/devarch-dev/devarch/daemon/api"
)

// Peer is the process at the other end of a connection, from SO_PEERCRED.
type Peer struct {
	UID, PID int
	Who      string // user@host
}

type peerKey struct{}

// PeerFrom returns the peer of the connection a request came on; the zero
// Peer (UID -1) when the connection carried no credentials.
func PeerFrom(ctx context.Context) Peer {
	if p, ok := ctx.Value(peerKey{}).(Peer); ok {
		return p
	}
	return Peer{UID: -1}
}

// withPeer returns ctx carrying p.
func withPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerContext is http.Server.ConnContext: it reads the credentials of a
// Unix socket peer once per connection.
func PeerContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	p, err := unixPeer(uc)
	if err != nil {
		return ctx
	}
	return withPeer(ctx, p)
}

// unixPeer reads SO_PEERCRED of c.
func unixPeer(c *net.UnixConn) (Peer, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	var (
		cred    *syscall.Ucred
		credErr error
	)
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", credErr)
	}
	return Peer{UID: int(cred.Uid), PID: int(cred.Pid), Who: whoIs(int(cred.Uid))}, nil
}

var (
	whoMu    sync.Mutex
	whoCache = map[int]string{}
)

// whoIs returns user@host for uid.
func whoIs(uid int) string {
	whoMu.Lock()
	defer whoMu.Unlock()
	if w, ok := whoCache[uid]; ok {
		return w
	}
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	w := name + "@" + host
	whoCache[uid] = w
	return w
}

// requirePeer refuses every request whose connection peer is not the
// daemon's own user, or whose peer is unknown.
func requirePeer(uid int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PeerFrom(r.Context())
		switch {
		case p.UID < 0:
			writeError(w, errorf(api.CodeUnauthorized, "connect through the daemon's Unix socket",
				"peer credentials of the connection are unknown"))
			return
		case p.UID != uid:
			writeError(w, errorf(api.CodeUnauthorized, "run devarch as the user that started the daemon",
				"peer uid %d is not the daemon's uid %d", p.UID, uid))
			return
		}
		next.ServeHTTP(w, r)
	})
}
