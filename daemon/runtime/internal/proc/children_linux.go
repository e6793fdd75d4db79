package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts an engine command in a process group of its own and has
// the kernel kill it when the daemon dies. The parent-death signal comes
// when the thread that started the command ends; the Go runtime ends a
// thread only when a goroutine locked to it exits without unlocking, which
// no code in the daemon does, so in practice the signal comes when the
// daemon's process ends. TrackChildren covers what the signal misses (the
// command's own children, a daemon killed between two steps).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// procStat returns the fields of /proc/PID/stat after the command name:
// index 0 is field 3 (state), so field N is at N-3.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return nil, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	return f, nil
}

// procStartTime is PID's start time in clock ticks since boot (field 22).
func procStartTime(pid int) (uint64, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	if f[0] == "Z" {
		return 0, fmt.Errorf("pid %d has exited", pid)
	}
	return strconv.ParseUint(f[22-3], 10, 64)
}

// groupStartTimes are the start times of the live processes of group pgid.
func groupStartTimes(pgid int) []uint64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []uint64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := procStat(pid)
		if err != nil || f[0] == "Z" || f[5-3] != strconv.Itoa(pgid) {
			continue
		}
		if st, err := strconv.ParseUint(f[22-3], 10, 64); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// bootID identifies the running kernel's boot.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
