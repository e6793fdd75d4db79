package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/devarch-dev/devarch/core/devfile"
)

// readInput reads a file, or stdin for "-".
func readInput(in io.Reader, path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// readInput reads FILE, or stdin for "-", refusing files larger than the
// devarch.yml limit before reading them whole.
func (c *cli) readInput(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = c.in
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, devfile.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > devfile.MaxSize {
		return nil, withHint(fmt.Errorf("%s: file: is larger than the limit of %d bytes (1 MiB)", path, devfile.MaxSize),
			"a devarch.yml describes a stack; it should be far smaller")
	}
	// JSON would turn bytes that are not UTF-8 into U+FFFD on the way to
	// the daemon, silently changing values; YAML is UTF-8 text.
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%s: file: is not valid UTF-8 text; YAML files must be UTF-8", path)
	}
	return b, nil
}

// readSmallFile reads a file of at most devfile.MaxSize bytes.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bareError(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, devfile.MaxSize+1))
	if err != nil {
		return nil, bareError(err)
	}
	if len(b) > devfile.MaxSize {
		return nil, fmt.Errorf("the file is larger than %d bytes", devfile.MaxSize)
	}
	return b, nil
}

// bareError drops the path an *os.PathError repeats.
func bareError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// passphrase reads the passphrase from FILE, else $DEVARCH_PASSPHRASE, else
// returns "". One trailing newline of the file is dropped.
func (c *cli) passphrase(file string) (string, error) {
	if file == "" {
		return c.getenv("DEVARCH_PASSPHRASE"), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", withHint(fmt.Errorf("--passphrase-file: %w", err), "give a file holding the passphrase on its first line")
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if p == "" {
		return "", withHint(fmt.Errorf("--passphrase-file %s: the file is empty", file), "write the passphrase into it")
	}
	return p, nil
}

// fileDir is the absolute directory of the devarch.yml at path, which
// build contexts in it are relative to: the working directory for stdin
// or stdout ("-" or "").
func (c *cli) fileDir(path string) (string, error) {
	if path == "" || path == "-" {
		return c.workDir()
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return "", fmt.Errorf("directory of %s: %w", path, err)
	}
	return dir, nil
}
