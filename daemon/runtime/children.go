package runtime

import (
	"log/slog"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// ChildrenDir is the directory of HOME holding the records of running
// engine commands.
const ChildrenDir = proc.ChildrenDir

// Leftover is an engine command a previous daemon left running, as
// ReapLeftovers ended it.
type Leftover = proc.Leftover

// TrackChildren ends the engine commands a previous daemon on home left
// running and records this process's engine commands under home from now
// on (see proc.TrackChildren).
func TrackChildren(home string, log *slog.Logger) { proc.TrackChildren(home, log) }

// ReapLeftovers ends the engine commands recorded in dir that still run
// and removes every record (see proc.ReapLeftovers).
func ReapLeftovers(dir string) ([]Leftover, error) { return proc.ReapLeftovers(dir) }
