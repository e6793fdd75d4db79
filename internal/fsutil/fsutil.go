// Package fsutil writes files so that a reader, or a crash, never sees half of one.
package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile replaces path with data, mode perm, atomically and durably: data
// goes to a new temporary file beside path (created with O_EXCL and perm,
// synced), which is renamed over path, and the directory is synced so the
// rename survives a crash. A reader sees the old file or the new one, never
// part of either; on an error path is unchanged and the temporary file gone.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := TempName(path)
	if err != nil {
		return err
	}
	if err := WriteNewFile(tmp, data, perm); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}

// CreateFile writes data to path, mode perm, as WriteFile does, but only if
// path does not exist yet (an error wrapping fs.ErrExist otherwise): the
// synced temporary file is published by a hard link, which never replaces a
// file. Where the file system has no hard links, path itself is created with
// O_EXCL.
func CreateFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := TempName(path)
	if err != nil {
		return err
	}
	if err := WriteNewFile(tmp, data, perm); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", path, fs.ErrExist)
		}
		if err := WriteNewFile(path, data, perm); err != nil {
			return err
		}
	}
	return SyncDir(filepath.Dir(path))
}

// WriteNewFile creates path, which must not exist, with mode perm (whatever
// the umask), writes data and syncs it. On an error nothing is left at path.
func WriteNewFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	fail := func(what string, err error) error {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	// The umask may have narrowed the mode; perm is the rule.
	if err := f.Chmod(perm); err != nil {
		return fail("chmod", err)
	}
	if _, err := f.Write(data); err != nil {
		return fail("write", err)
	}
	if err := f.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// Rename renames from to to and syncs to's directory, so the rename
// survives a crash.
func Rename(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(to))
}

// SyncDir syncs directory dir, making the entries created, renamed or
// removed in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// A temporary file of a write of path is named "." + base(path) + tempInfix
// + tempHexLen lowercase hex digits, beside path (TempName, RemoveTemps).
const (
	tempInfix  = ".tmp-"
	tempHexLen = 16
)

// TempName returns a fresh hidden name beside path, of the kind WriteFile
// and CreateFile write path's data to before publishing it:
// .<base>.tmp-<16 hex digits>. RemoveTemps removes exactly such names.
func TempName(path string) (string, error) {
	var b [tempHexLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("temporary name for %s: %w", path, err)
	}
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+tempInfix+hex.EncodeToString(b[:])), nil
}

// RemoveTemps deletes the temporary files (TempName) that a WriteFile or
// CreateFile of path left beside it when the process stopped half-way, and
// nothing else. It must run only when no write of path is under way: it
// would remove that write's temporary file.
func RemoveTemps(path string) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	des, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var first error
	for _, de := range des {
		if !de.Type().IsRegular() || !isTempOf(de.Name(), base) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = fmt.Errorf("remove %s: %w", filepath.Join(dir, de.Name()), err)
		}
	}
	return first
}

// isTempOf reports whether name is a temporary file name of base (TempName).
func isTempOf(name, base string) bool {
	digits, ok := strings.CutPrefix(name, "."+base+tempInfix)
	if !ok || len(digits) != tempHexLen {
		return false
	}
	for _, c := range digits {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
