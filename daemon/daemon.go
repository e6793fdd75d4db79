// Package daemon runs devarch's daemon: it prepares and locks the home, opens the store, wires the service layer, jobs and HTTP server together (see daemon/internal) and serves the API on a Unix socket until it is told to stop.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/server"
	"github.com/devarch-dev/devarch/daemon/internal/service"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/internal/fsutil"
	"github.com/devarch-dev/devarch/store"
)

// Config configures Run.
type Config struct {
	Home string
	Log  io.Writer // nil: Home/daemon.log
}

// SocketPath is the daemon's socket under home.
func SocketPath(home string) string { return filepath.Join(home, api.SocketName) }

// shutdownTimeout bounds how long open connections may take to finish.
const shutdownTimeout = 5 * time.Second

// Run serves the API on Home's socket until ctx ends, SIGTERM or SIGINT
// arrives, or a client asks for shutdown. A second daemon on the same home
// refuses to start; one whose predecessor has exited but not yet released
// the home's lock waits for it (see lockHome).
func Run(ctx context.Context, cfg Config) error {
	home, err := prepareHome(cfg.Home)
	if err != nil {
		return err
	}
	logw := cfg.Log
	if logw == nil {
		f, err := os.OpenFile(filepath.Join(home, api.LogName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open daemon log: %w", err)
		}
		defer f.Close()
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("chmod daemon log: %w", err)
		}
		logw = f
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	unlock, err := lockHome(home, log)
	if err != nil {
		return err
	}
	defer unlock()
	sock := SocketPath(home)
	if err := probeSocket(home, sock); err != nil {
		return err
	}

	st, err := store.OpenWithKeyFile(home)
	if err != nil {
		if store.IsLocked(err) {
			return runningError(home)
		}
		return fmt.Errorf("open store in %s: %w", home, err)
	}
	defer st.Close()

	locks := jobs.NewLockManager()
	jm := jobs.NewManager(st, log)
	if n, err := jm.RecoverInterrupted(); err != nil {
		return fmt.Errorf("recover interrupted jobs: %w", err)
	} else if n > 0 {
		log.Warn("jobs interrupted by the last daemon exit", "count", n)
	}
	apply.RemoveCrashLeftovers(filepath.Join(home, "stacks"))
	runtime.TrackChildren(home, log) // ends engine commands a killed daemon left running

	ln, err := listenUnix(sock)
	if err != nil {
		return err
	}
	defer os.Remove(sock)

	pidFile := filepath.Join(home, api.PIDName)
	if err := fsutil.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("write pid file: %w", err)
	}
	defer os.Remove(pidFile)

	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stopSignals()
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	svc := service.New(service.Config{
		Home: home, Store: st, Log: log, Locks: locks, Jobs: jm,
		Runner: &apply.Runner{
			Home: home, Store: st, Jobs: jm, Log: log, Timeouts: apply.DefaultTimeouts(),
		},
		OpenRuntime: service.OpenRuntime,
		Started:     time.Now(),
	})
	srv := &http.Server{
		Handler:           server.New(svc, log, stop).Handler(),
		ConnContext:       server.PeerContext,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("daemon started", "pid", os.Getpid(), "home", home, "socket", sock, "build", api.BuildID())

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = fmt.Errorf("serve %s: %w", sock, err)
		}
	}
	log.Info("daemon stopping", "running_jobs", jm.Running())
	// No job starts from here on: a request still being served is refused
	// (ErrShuttingDown), so none can start after the running ones were
	// awaited below, however the HTTP server's own shutdown is ordered.
	jm.Close()
	ln.Close()
	jm.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	log.Info("daemon stopped")
	return runErr
}

// prepareHome creates home (0700) and refuses one others can write to.
func prepareHome(home string) (string, error) {
	if home == "" {
		h, err := api.DefaultHome(os.Getenv)
		if err != nil {
			return "", err
		}
		home = h
	}
	home, err := filepath.Abs(home)
	if err != nil {
		return "", fmt.Errorf("devarch home %q: %w", home, err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", fmt.Errorf("create devarch home: %w", err)
	}
	fi, err := os.Stat(home)
	if err != nil {
		return "", fmt.Errorf("devarch home: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("devarch home %s is not a directory", home)
	}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return "", fmt.Errorf("devarch home %s belongs to uid %d, not to you (uid %d)", home, sys.Uid, os.Getuid())
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(home, 0o700); err != nil {
			return "", fmt.Errorf("devarch home %s is mode %o and cannot be made 0700: %w", home, fi.Mode().Perm(), err)
		}
	}
	return home, nil
}

// runningError says another daemon holds home, with its pid when known.
func runningError(home string) error {
	pid := "unknown"
	if b, err := os.ReadFile(filepath.Join(home, api.PIDName)); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			pid = s
		}
	}
	return fmt.Errorf("another devarch daemon is running on %s (pid %s)", home, pid)
}

// probeSocket refuses to start when something answers on sock, and
// removes a stale socket file otherwise.
func probeSocket(home, sock string) error {
	fi, err := os.Lstat(sock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect socket %s: %w", sock, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; move it away", sock)
	}
	if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
		c.Close()
		return runningError(home)
	}
	if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket %s: %w", sock, err)
	}
	return nil
}

// umaskMu serializes the process-wide umask change around listen.
var umaskMu sync.Mutex

// listenUnix listens on sock, created mode 0600.
func listenUnix(sock string) (net.Listener, error) {
	umaskMu.Lock()
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", sock)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", sock, err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("chmod socket %s: %w", sock, err)
	}
	return ln, nil
}
