package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/internal/fsutil"
)

// materialize writes the config files of every enabled instance of d under
// dir (Home/stacks/<stack>) as <instance>/<target path>: sensitive files
// 0600, others their mode (default 0644), directories 0700. The files are
// written into a fresh temporary directory next to dir and swapped in with
// renames, so dir always holds one complete set.
func materialize(dir string, d core.Desired) error {
	parent, stack := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	removeLeftovers(parent, stack)
	tmp := filepath.Join(parent, ".tmp-"+stack+"-"+randid.Hex(6))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := writeFiles(tmp, d); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return swapDir(tmp, dir)
}

// materialize writes the config files the job's instances need: every
// instance's (materialize) for a job that holds the whole stack, only its
// own instances' for a scoped one (materializeInstances), which leaves
// those of instances another apply may be writing alone.
func (a *applyRun) materialize(dir string, d core.Desired) error {
	if a.scope == nil {
		return materialize(dir, d)
	}
	var instances []string
	for inst := range a.scope {
		instances = append(instances, inst)
	}
	slices.Sort(instances)
	return materializeInstances(dir, d, instances)
}

// materializeInstances writes the config files of instances of d under
// dir/<instance>, each instance's directory swapped in whole as
// materialize swaps the stack's: written into a fresh temporary directory
// next to dir (.tmp-<stack>.<instance>-<random>, which no other stack or
// instance can be named like) and renamed in. An instance without files
// (disabled, removed or having none) loses its directory.
func materializeInstances(dir string, d core.Desired, instances []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	parent, stack := filepath.Dir(dir), filepath.Base(dir)
	for _, inst := range instances {
		target := filepath.Join(dir, inst)
		svc, ok := d.Service(inst)
		if !ok || !svc.Enabled || len(svc.Files) == 0 {
			if err := os.RemoveAll(target); err != nil {
				return fmt.Errorf("instance %s: remove config files: %w", inst, err)
			}
			continue
		}
		tmp := filepath.Join(parent, ".tmp-"+stack+"."+inst+"-"+randid.Hex(6))
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", tmp, err)
		}
		one := core.Desired{Stack: d.Stack, Services: []core.WiredService{*svc}}
		if err := writeFiles(tmp, one); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		err := swapDir(filepath.Join(tmp, inst), target)
		os.RemoveAll(tmp)
		if err != nil {
			return err
		}
	}
	return fsutil.SyncDir(dir)
}

func writeFiles(root string, d core.Desired) error {
	for _, svc := range d.Services {
		if !svc.Enabled || len(svc.Files) == 0 {
			continue
		}
		base := filepath.Join(root, svc.Instance)
		for _, f := range svc.Files {
			path, err := filePath(base, f.Target)
			if err != nil {
				return fmt.Errorf("instance %s: %w", svc.Instance, err)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fmt.Errorf("instance %s: create directory for %s: %w", svc.Instance, f.Target, err)
			}
			if err := fsutil.WriteNewFile(path, []byte(f.Content), fileMode(f)); err != nil {
				return fmt.Errorf("instance %s: write %s: %w", svc.Instance, f.Target, err)
			}
			if err := handOver(path, f, svc.User); err != nil {
				return fmt.Errorf("instance %s: give %s to user %s: %w", svc.Instance, f.Target, svc.User, err)
			}
		}
	}
	return nil
}

// filePath places target (an absolute path in the container) under base,
// refusing any path that would leave base.
func filePath(base, target string) (string, error) {
	rel := filepath.Clean("/" + target)
	if rel == "/" || slices.Contains(strings.Split(target, "/"), "..") {
		return "", fmt.Errorf("config file target %q: must be an absolute file path without \"..\"", target)
	}
	return filepath.Join(base, rel), nil
}

// fileMode is the mode a config file is written with.
func fileMode(f core.ConfigFile) fs.FileMode {
	switch {
	case f.Sensitive:
		return 0o600
	case f.Mode != 0:
		return fs.FileMode(f.Mode) & fs.ModePerm
	}
	return 0o644
}

// handOver gives a sensitive file (0600) to the container's user when that
// user is numeric (uid or uid:gid), so a service that does not run as root
// can read it. A named user cannot be resolved outside the image: such
// services need --user UID[:GID]. Without the right to chown (a daemon not
// running as root) the file stays the daemon's.
func handOver(path string, f core.ConfigFile, user string) error {
	if !f.Sensitive || user == "" || os.Geteuid() != 0 {
		return nil
	}
	u, g, hasGroup := strings.Cut(user, ":")
	uid, err := strconv.Atoi(u)
	if err != nil || uid < 0 {
		return nil
	}
	gid := -1
	if hasGroup {
		if gid, err = strconv.Atoi(g); err != nil || gid < 0 {
			gid = -1
		}
	}
	return os.Lchown(path, uid, gid)
}

// swapDir replaces dir by tmp: the old dir is renamed aside, tmp renamed in,
// and the old one removed.
func swapDir(tmp, dir string) error {
	old := ""
	if _, err := os.Lstat(dir); err == nil {
		old = filepath.Join(filepath.Dir(dir), ".old-"+filepath.Base(dir)+"-"+randid.Hex(6))
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("move %s aside: %w", dir, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		os.RemoveAll(tmp)
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		os.RemoveAll(tmp)
		return fmt.Errorf("move config files into %s: %w", dir, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove old config files %s: %w", old, err)
		}
	}
	return fsutil.SyncDir(filepath.Dir(dir))
}

// RemoveFiles deletes a stack's materialized config files, and the
// temporary directories of the stack that a daemon stopped mid-write left
// next to them.
func RemoveFiles(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove config files %s: %w", dir, err)
	}
	removeLeftovers(filepath.Dir(dir), filepath.Base(dir))
	return nil
}

// RemoveCrashLeftovers deletes what a killed daemon may have left under
// stacksDir: compose files in stack directories, and the temporary
// directories of a config file write (.tmp-*, .old-*), which hold
// sensitive files. The daemon runs it when it starts, before any job.
func RemoveCrashLeftovers(stacksDir string) {
	RemoveComposeLeftovers(stacksDir)
	suffix := strings.Repeat("[0-9a-f]", 12)
	for _, prefix := range []string{".tmp-", ".old-"} {
		// An instance's directory is swapped inside its stack's
		// (materializeInstances): its old one waits there.
		for _, pattern := range []string{prefix + "*-" + suffix, filepath.Join("*", prefix+"*-"+suffix)} {
			matches, _ := filepath.Glob(filepath.Join(stacksDir, pattern))
			for _, m := range matches {
				os.RemoveAll(m)
			}
		}
	}
}

// RemoveComposeLeftovers deletes the compose files (which hold secret
// values) a podman-compose run of a killed daemon left in stacks/*/; a
// daemon that runs removes its own when compose returns.
func RemoveComposeLeftovers(stacksDir string) {
	matches, _ := filepath.Glob(filepath.Join(stacksDir, "*", runtime.ComposeFilePattern))
	for _, m := range matches {
		os.Remove(m)
	}
}

// removeLeftovers deletes temporary directories of stack that a daemon
// stopped mid-write left behind. The pattern matches only this stack's
// names: another stack's would have more characters before the suffix.
func removeLeftovers(parent, stack string) {
	suffix := strings.Repeat("[0-9a-f]", 12)
	for _, prefix := range []string{".tmp-", ".old-"} {
		matches, _ := filepath.Glob(filepath.Join(parent, prefix+globEscape(stack)+"-"+suffix))
		for _, m := range matches {
			os.RemoveAll(m)
		}
	}
}

// globEscape quotes the glob metacharacters of s.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
