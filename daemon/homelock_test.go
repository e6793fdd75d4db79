package daemon

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/devarch-dev/devarch/daemon/api"
)

// flockHelperEnv makes the test binary a helper process that takes the
// flock on its file descriptor 3 and exits (see TestMain).
const flockHelperEnv = "DEVARCH_TEST_FLOCK_FD3"

func TestMain(m *testing.M) {
	if os.Getenv(flockHelperEnv) == "1" {
		if err := syscall.Flock(3, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// exitedLockHolder leaves home/daemon.lock locked in the name of a process
// that has exited and not been reaped (a zombie), as a daemon killed with
// SIGKILL leaves it until its last thread is gone: a helper process takes
// the flock on a file description the test shares with it and exits, so
// the lock outlives it until the test closes the returned file.
func exitedLockHolder(t *testing.T, home string) (holder *os.File, pid int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(home, api.LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), flockHelperEnv+"=1")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the exit without reaping: the helper stays a zombie.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid helper: %v", err)
	}
	t.Cleanup(func() { cmd.Wait() })
	if !processExited(cmd.Process.Pid) {
		t.Fatalf("helper %d has not exited", cmd.Process.Pid)
	}
	other, err := os.Open(filepath.Join(home, api.LockName))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != syscall.EWOULDBLOCK {
		t.Fatalf("lock after the helper exited: flock = %v, want it held (helper exit: %+v)", err, info)
	}
	return f, cmd.Process.Pid
}

// logWatch is a log writer that closes a channel once a line containing
// the channel's text has been written.
type logWatch struct {
	mu    sync.Mutex
	texts map[string]chan struct{}
	buf   strings.Builder
}

// seen returns a channel closed once a line containing text is written.
func (w *logWatch) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.texts == nil {
		w.texts = map[string]chan struct{}{}
	}
	c := make(chan struct{})
	w.texts[text] = c
	return c
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for text, c := range w.texts {
		if strings.Contains(string(p), text) {
			close(c)
			delete(w.texts, text)
		}
	}
	return len(p), nil
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestRunWaitsForExitedDaemonsLock starts a daemon while the home's lock is
// still held in the name of a daemon that has exited: the new daemon waits
// for the kernel to release the lock and then serves, instead of refusing
// to start as if another daemon ran.
func TestRunWaitsForExitedDaemonsLock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the lock's holder is read from /proc/locks")
	}
	home := t.TempDir()
	holder, pid := exitedLockHolder(t, home)
	// What a killed daemon leaves behind besides its lock.
	if err := os.WriteFile(filepath.Join(home, api.PIDName), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	logw := &logWatch{}
	waiting := logw.seen("waiting for the exited daemon to release its lock")
	started := logw.seen("daemon started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Home: home, Log: logw}) }()
	select {
	case err := <-done:
		t.Fatalf("Run while the lock of exited pid %d is not yet released = %v; want it to wait for the lock", pid, err)
	case <-waiting:
	}
	if !strings.Contains(logw.String(), "pid="+strconv.Itoa(pid)) {
		t.Errorf("the waiting line does not name pid %d:\n%s", pid, logw.String())
	}

	holder.Close()
	select {
	case err := <-done:
		t.Fatalf("Run after the lock was released = %v\nlog:\n%s", err, logw.String())
	case <-started:
	}
	resp, err := unixClient(SocketPath(home)).Get("http://devarch/v1/status")
	if err != nil {
		t.Fatalf("status after the lock was released: %v\nlog:\n%s", err, logw.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status after the lock was released: HTTP %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
}

// TestRunRefusesLiveLockHolder checks that a lock held by a live process
// still means another daemon runs on home, at once and without waiting.
func TestRunRefusesLiveLockHolder(t *testing.T) {
	home := t.TempDir()
	f, err := os.OpenFile(filepath.Join(home, api.LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, api.PIDName), []byte("4711\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), Config{Home: home, Log: io.Discard})
	want := "another devarch daemon is running on " + home + " (pid 4711)"
	if err == nil || err.Error() != want {
		t.Errorf("Run while a live process holds the lock = %v, want %q", err, want)
	}
}

func TestFlockHolder(t *testing.T) {
	locks := []byte(`1: POSIX  ADVISORY  WRITE 900 fe:00:42 0 EOF
2: FLOCK  ADVISORY  WRITE 19024 fe:00:9981099 0 EOF
3: FLOCK  ADVISORY  WRITE 19025 fe:00:9981097 0 EOF
3: -> FLOCK  ADVISORY  WRITE 19990 fe:00:9981097 0 EOF
4: FLOCK  ADVISORY  WRITE 555 103:02:77 0 EOF
4: FLOCK  ADVISORY  WRITE 0 103:02:78 0 EOF
5: OFDLCK ADVISORY  READ -1 00:06:3 0 EOF
`)
	tests := []struct {
		name         string
		major, minor uint32
		ino          uint64
		want         int
	}{
		{"granted flock, not its waiter", 0xfe, 0, 9981097, 19025},
		{"other inode on the device", 0xfe, 0, 9981099, 19024},
		{"posix lock is not a flock", 0xfe, 0, 42, 0},
		{"hex device numbers", 0x103, 2, 77, 555},
		{"holder whose pid was freed", 0x103, 2, 78, 0},
		{"no lock on the file", 0xfe, 0, 1, 0},
		{"same inode on another device", 0xfe, 1, 9981097, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flockHolder(locks, tt.major, tt.minor, tt.ino); got != tt.want {
				t.Errorf("flockHolder(%x:%x:%d) = %d, want %d", tt.major, tt.minor, tt.ino, got, tt.want)
			}
		})
	}
}
