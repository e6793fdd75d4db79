package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Every engine command runs in a process group of its own, so that a
// cancelled command is ended with everything it started (docker compose
// runs as a plugin process of the docker CLI), and with a parent-death
// signal, so that it dies with the daemon (see sysProcAttr). While it runs,
// a record of it lies in HOME/children/PID, holding its process group and
// its start time; a daemon that starts on HOME ends the groups of the
// records a killed predecessor left behind (TrackChildren). Engines'
// long-lived helpers (Podman's conmon, its rootless pause process) start
// sessions of their own and are never in such a group.

// ChildrenDir is the directory of HOME holding the records of running
// engine commands.
const ChildrenDir = "children"

// records is where this process records its engine children; empty until
// TrackChildren names a home.
var records struct {
	mu  sync.Mutex
	dir string
}

// TrackChildren ends the engine commands a previous daemon on home
// recorded and left running (their whole process group), removes those
// records, and records this process's engine commands under home from now
// on. What it could not do is logged: a leftover that cannot be ended must
// not keep the daemon from starting.
func TrackChildren(home string, log *slog.Logger) {
	dir := filepath.Join(home, ChildrenDir)
	ended, err := ReapLeftovers(dir)
	for _, l := range ended {
		log.Warn("ended an engine command left running by the last daemon exit", "pid", l.PID, "pgid", l.PGID, "command", l.Command)
	}
	if err != nil {
		log.Warn("end engine commands left running by the last daemon exit", "err", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn("record engine commands", "err", err)
		return
	}
	records.mu.Lock()
	records.dir = dir
	records.mu.Unlock()
}

// childRecord is one running engine command as recorded.
type childRecord struct {
	PID     int
	PGID    int
	Start   uint64 // start time in clock ticks since boot (/proc/PID/stat field 22)
	Boot    string // the kernel's boot id: records of an earlier boot name nothing
	Command string // the program and its first argument, for the log
}

func (r childRecord) encode() []byte {
	return fmt.Appendf(nil, "pgid=%d\nstart=%d\nboot=%s\ncommand=%s\n", r.PGID, r.Start, r.Boot, r.Command)
}

func decodeRecord(pid int, b []byte) (childRecord, error) {
	r := childRecord{PID: pid}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, "=")
		var err error
		switch k {
		case "pgid":
			r.PGID, err = strconv.Atoi(v)
		case "start":
			r.Start, err = strconv.ParseUint(v, 10, 64)
		case "boot":
			r.Boot = v
		case "command":
			r.Command = v
		}
		if err != nil {
			return r, fmt.Errorf("record of pid %d: %s: %w", pid, k, err)
		}
	}
	if r.PGID <= 1 || r.Start == 0 {
		return r, fmt.Errorf("record of pid %d: pgid or start missing", pid)
	}
	return r, nil
}

// startChild starts cmd and records it while it runs; waitChild must follow.
func startChild(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	records.mu.Lock()
	dir := records.dir
	records.mu.Unlock()
	if dir == "" {
		return nil
	}
	pid := cmd.Process.Pid
	start, err := procStartTime(pid)
	if err != nil {
		// The command has already ended; nothing is left to record.
		return nil
	}
	command := baseName(cmd.Args[0])
	if len(cmd.Args) > 1 {
		command += " " + cmd.Args[1]
	}
	r := childRecord{PID: pid, PGID: pid, Start: start, Boot: bootID(), Command: command}
	// Best effort: without a record, the parent-death signal still ends
	// the command with the daemon.
	_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(pid)), r.encode(), 0o600)
	return nil
}

// waitChild waits for cmd, started by startChild, and removes its record.
// When cmd was cancelled, what is left of its process group is killed.
func waitChild(ctx context.Context, cmd *exec.Cmd) error {
	err := cmd.Wait()
	pid := cmd.Process.Pid
	// Checked after Wait: a command cancelled while it ran got only the
	// group's SIGINT, which a shell's background children ignore.
	if ctx.Err() != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	records.mu.Lock()
	dir := records.dir
	records.mu.Unlock()
	if dir != "" {
		_ = os.Remove(filepath.Join(dir, strconv.Itoa(pid)))
	}
	return err
}

// Leftover is an engine command a previous daemon left running, as
// ReapLeftovers ended it.
type Leftover struct {
	PID, PGID int
	Command   string
}

// ReapLeftovers reads the records in dir, kills the process group of each
// whose command still runs — the process PID exists with the recorded start
// time, or, when it has exited, processes of its group started after it
// remain — and removes every record. A record of an earlier boot, or whose
// PID now names another process, names nothing to end.
func ReapLeftovers(dir string) ([]Leftover, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var ended []Leftover
	var errs []error
	boot := bootID()
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 {
			os.Remove(path)
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := decodeRecord(pid, b)
		if err == nil && r.Boot == boot && leftoverRuns(r) {
			if err := syscall.Kill(-r.PGID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				errs = append(errs, fmt.Errorf("kill process group %d: %w", r.PGID, err))
			} else {
				ended = append(ended, Leftover{PID: r.PID, PGID: r.PGID, Command: r.Command})
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return ended, errors.Join(errs...)
}

// leftoverRuns reports whether r's command, or a process of its group,
// still runs. A PID whose start time differs is another process: the
// recorded one has exited, and since the kernel does not reuse a PID its
// process group still uses, no process of that group remains.
func leftoverRuns(r childRecord) bool {
	if start, err := procStartTime(r.PID); err == nil {
		return start == r.Start
	}
	for _, st := range groupStartTimes(r.PGID) {
		if st >= r.Start {
			return true
		}
	}
	return false
}
