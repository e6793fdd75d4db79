// Package builddigest computes the digest of an image build's inputs (the
// context's files after .dockerignore, the Dockerfile, the arguments and
// the target) that the plan compares to decide a rebuild.
package builddigest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/devarch-dev/devarch/core"
)

// Bounds of one context walk: a context over them is an error naming it,
// so a plan never reads a home directory or a huge data set by mistake.
// They count what .dockerignore leaves in.
const (
	MaxFiles = 20000
	MaxBytes = 1 << 30 // 1 GiB of file content
)

// fileDigestLen is how many hex digits of each file's digest are kept in
// BuildDigest.Files (enough to tell a change, small in the snapshot).
const fileDigestLen = 16

// Limits bound a walk; the zero value means MaxFiles and MaxBytes.
type Limits struct {
	Files int
	Bytes int64
}

// Compute walks b's context and digests b's inputs within the default
// limits.
func Compute(b core.ImageBuild) (core.BuildDigest, error) {
	return ComputeWithin(b, Limits{})
}

// ComputeWithin is Compute with other limits. Files the context's
// .dockerignore (or DOCKERFILE.dockerignore beside the Dockerfile, which
// the engine prefers) excludes are left out; the Dockerfile is always in,
// as the engine always sends it. Symbolic links are digested as links (their
// target text), never followed. Sockets, devices and pipes are skipped.
func ComputeWithin(b core.ImageBuild, lim Limits) (core.BuildDigest, error) {
	if lim.Files <= 0 {
		lim.Files = MaxFiles
	}
	if lim.Bytes <= 0 {
		lim.Bytes = MaxBytes
	}
	root := b.Context
	pm, err := ignoreMatcher(root, b.DockerfilePath())
	if err != nil {
		return core.BuildDigest{}, err
	}
	// The engine resolves a context that is a link to a directory and sends
	// that directory; WalkDir would stop at the link and see nothing in it.
	walkRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return core.BuildDigest{}, fmt.Errorf("build context %s: %w", root, errors.Unwrap(err))
	}
	w := &walker{root: root, walkRoot: walkRoot, lim: lim, pm: pm, files: map[string]string{}}
	if err := filepath.WalkDir(walkRoot, w.visit); err != nil {
		return core.BuildDigest{}, err
	}
	// The Dockerfile is sent even when ignored, or outside the context.
	df := b.DockerfilePath()
	key := df
	if rel, err := filepath.Rel(root, df); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		key = filepath.ToSlash(rel)
	}
	if _, ok := w.files[key]; !ok {
		fi, err := os.Lstat(df)
		if err != nil {
			return core.BuildDigest{}, fmt.Errorf("Dockerfile %s: %w", df, errors.Unwrap(err))
		}
		if err := w.add(key, df, fi); err != nil {
			return core.BuildDigest{}, err
		}
	}

	h := sha256.New()
	fmt.Fprintf(h, "devarch-build-digest-v1\x00target=%s\x00dockerfile=%s\x00", b.Target, key)
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		fmt.Fprintf(h, "arg %q=%q\x00", k, b.Args[k])
	}
	for _, p := range slices.Sorted(maps.Keys(w.files)) {
		fmt.Fprintf(h, "file %q %s\x00", p, w.files[p])
	}
	return core.BuildDigest{Sum: "sha256:" + hex.EncodeToString(h.Sum(nil)), Files: w.files}, nil
}

// ignoreMatcher reads the ignore file the engine would use: the
// Dockerfile's own (Dockerfile.dockerignore) first, else the context's
// .dockerignore. Nil when there is none.
func ignoreMatcher(root, dockerfile string) (*patternmatcher.PatternMatcher, error) {
	for _, p := range []string{dockerfile + ".dockerignore", filepath.Join(root, ".dockerignore")} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return pm, nil
	}
	return nil, nil
}

type walker struct {
	root     string // the context as the build names it, in errors
	walkRoot string // root with its links resolved, walked
	lim      Limits
	pm       *patternmatcher.PatternMatcher
	files    map[string]string
	bytes    int64
}

func (w *walker) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return fmt.Errorf("build context %s: %w", w.root, err)
	}
	if path == w.walkRoot {
		return nil
	}
	rel, err := filepath.Rel(w.walkRoot, path)
	if err != nil {
		return err
	}
	rel = filepath.ToSlash(rel)
	if w.pm != nil {
		ignored, err := w.pm.MatchesOrParentMatches(rel)
		if err != nil {
			return fmt.Errorf("build context %s: .dockerignore: %w", w.root, err)
		}
		if ignored {
			// A directory can be skipped whole unless a ! pattern may
			// bring back something inside it.
			if d.IsDir() && !w.pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
	}
	if d.IsDir() {
		return nil
	}
	fi, err := d.Info()
	if err != nil {
		return fmt.Errorf("build context %s: %w", w.root, err)
	}
	return w.add(rel, path, fi)
}

// add digests one file (its mode and content, or a link's target).
func (w *walker) add(key, path string, fi fs.FileInfo) error {
	h := sha256.New()
	fmt.Fprintf(h, "%o\x00", fi.Mode()&(fs.ModeType|fs.ModePerm))
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return fmt.Errorf("build context %s: %w", w.root, err)
		}
		io.WriteString(h, target)
	case fi.Mode().IsRegular():
		w.bytes += fi.Size()
		if w.bytes > w.lim.Bytes {
			return fmt.Errorf("build context %s holds more than %d bytes of files (after .dockerignore); list what the build does not need in its .dockerignore", w.root, w.lim.Bytes)
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("build context %s: %w", w.root, err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("build context %s: read %s: %w", w.root, key, err)
		}
	default:
		return nil // sockets, devices, pipes: never sent
	}
	if len(w.files) >= w.lim.Files {
		return fmt.Errorf("build context %s holds more than %d files (after .dockerignore); list what the build does not need in its .dockerignore", w.root, w.lim.Files)
	}
	w.files[key] = hex.EncodeToString(h.Sum(nil))[:fileDigestLen]
	return nil
}
