package secrets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/devarch-dev/devarch/internal/fsutil"
)

// KeyFileMode is the only mode a key file may have.
const KeyFileMode = 0o600

// LoadKey reads the 32-byte key at path. It refuses a file readable or
// writable by group or others, and one of the wrong length.
func LoadKey(path string) (Key, error) {
	var k Key
	f, err := os.Open(path)
	if err != nil {
		return k, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return k, fmt.Errorf("key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return k, fmt.Errorf("key file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return k, fmt.Errorf("key file %s has mode %04o and is accessible to group or others; run `chmod 600 %s`", path, perm, path)
	}
	buf := make([]byte, len(k)+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return k, fmt.Errorf("read key file %s: %w", path, err)
	}
	if n != len(k) {
		if n > len(k) {
			return k, fmt.Errorf("key file %s: longer than %d bytes; it must hold exactly %d raw key bytes", path, len(k), len(k))
		}
		return k, fmt.Errorf("key file %s: %d bytes; it must hold exactly %d raw key bytes", path, n, len(k))
	}
	copy(k[:], buf)
	return k, nil
}

// LoadOrCreateKey loads the key at path, or creates a fresh one (file 0600,
// directory 0700) when none exists. When several processes race to create
// it, exactly one key wins and every caller gets that key.
func LoadOrCreateKey(path string) (k Key, created bool, err error) {
	k, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return k, false, fmt.Errorf("create key directory: %w", err)
	}
	if k, err = NewKey(); err != nil {
		return k, false, err
	}
	err = WriteKeyFile(path, k)
	if errors.Is(err, fs.ErrExist) {
		k, err = LoadKey(path)
		return k, false, err
	}
	if err != nil {
		return Key{}, false, err
	}
	return k, true, nil
}

// WriteKeyFile writes k to path, which must not exist (fs.ErrExist
// otherwise). The key is written and synced to a private temporary file,
// then published under path by a hard link, which fails if path exists: no
// reader ever sees a partly written key (fsutil.CreateFile).
func WriteKeyFile(path string, k Key) error {
	if err := fsutil.CreateFile(path, k[:], KeyFileMode); err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	return nil
}

// ReplaceKeyFile renames the key file at from over the one at to, durably
// (the directory is synced, so the rename survives a crash).
func ReplaceKeyFile(from, to string) error {
	if err := fsutil.Rename(from, to); err != nil {
		return fmt.Errorf("install key file: %w", err)
	}
	return nil
}
