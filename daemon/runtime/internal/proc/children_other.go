//go:build !linux

package proc

import (
	"errors"
	"syscall"
)

// sysProcAttr puts an engine command in a process group of its own. This
// system has no parent-death signal nor /proc: commands are not recorded
// (procStartTime fails), and only cancellation ends their groups.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func procStartTime(int) (uint64, error) { return 0, errors.New("process start times need /proc") }

func groupStartTimes(int) []uint64 { return nil }

func bootID() string { return "" }
