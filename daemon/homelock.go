package daemon

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/devarch-dev/devarch/daemon/api"
)

// lockHome takes an exclusive lock on home/daemon.lock for the daemon's
// lifetime, so two daemons never share a home.
//
// A daemon that was killed (kill -9, the OOM killer) shows as exited before
// the kernel has released its lock: its files are closed only when the last
// of its threads is gone, a moment after the process itself is reported as
// a zombie or gone. A lock whose holder the kernel names as such a process
// is therefore waited for, not taken as a running daemon: the wait ends when
// the kernel releases the lock. A lock held by a live process, or by one the
// kernel does not name, still means another daemon runs on home.
func lockHome(home string, log *slog.Logger) (func(), error) {
	path := filepath.Join(home, api.LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open daemon lock: %w", err)
	}
	err = flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := homeLockHolder(f)
		if pid <= 0 || !processExited(pid) {
			f.Close()
			return nil, runningError(home)
		}
		log.Info("waiting for the exited daemon to release its lock", "pid", pid, "lock", path)
		err = flock(f, syscall.LOCK_EX)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock devarch home: %w", err)
	}
	return func() {
		flock(f, syscall.LOCK_UN)
		f.Close()
	}, nil
}

// flock applies how to f, resuming after an interrupting signal.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// homeLockHolder returns the pid the kernel records as the holder of the flock
// on f's file, from /proc/locks; 0 when it cannot tell (no /proc, a holder
// outside this pid namespace, or one whose pid has been freed).
func homeLockHolder(f *os.File) int {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	return flockHolder(locks, unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
}

// flockHolder finds the granted FLOCK on device major:minor, inode ino in
// the text of /proc/locks ("1: FLOCK ADVISORY WRITE 4711 fe:00:9981097 0
// EOF"; waiters are listed as "1: -> FLOCK ...") and returns its pid.
func flockHolder(locks []byte, major, minor uint32, ino uint64) int {
	sc := bufio.NewScanner(bytes.NewReader(locks))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" {
			continue
		}
		id := strings.Split(f[5], ":")
		if len(id) != 3 {
			continue
		}
		maj, err1 := strconv.ParseUint(id[0], 16, 32)
		mnr, err2 := strconv.ParseUint(id[1], 16, 32)
		i, err3 := strconv.ParseUint(id[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || uint32(maj) != major || uint32(mnr) != minor || i != ino {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil {
			return 0
		}
		return pid
	}
	return 0
}

// processExited reports whether pid is gone or a zombie, that is, will
// never run again.
func processExited(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X')
}
