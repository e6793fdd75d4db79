//go:build e2e

package tests

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// testImage is the image built from tests/testprog; every image a template
// of the built-in catalog or tests/testdata/templates names is retagged to
// it, so templates run the test program instead of the real service.
const testImage = "devarch-testprog:e2e"

// repoRoot is the module's root directory.
func repoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// requireEngine returns the engine that answers (Docker first, then
// Podman), with the test image built and retagged. Without an engine the
// test fails under CI=true and is skipped otherwise.
func requireEngine(t testing.TB) *drt.Engine {
	t.Helper()
	spec, err := drt.Detect(nil)
	if err != nil {
		noEngine(t, err)
	}
	return prepared(t, spec)
}

// requirePodman is requireEngine for Podman alone.
func requirePodman(t *testing.T) *drt.Engine {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		noEngine(t, fmt.Errorf("podman not found on PATH"))
	}
	return prepared(t, drt.Spec{Kind: drt.KindPodman, Binary: "podman"})
}

func noEngine(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true requires a container engine, and none answered: %v", err)
	}
	t.Skipf("no container engine (set CI=true to make this a failure): %v", err)
}

// engines caches one prepared engine per kind for the test binary's life.
var engines struct {
	sync.Mutex
	byKind map[string]*preparedEngine
}

type preparedEngine struct {
	engine *drt.Engine
	err    error
}

// prepared builds spec's engine and, once per kind, the test image.
func prepared(t testing.TB, spec drt.Spec) *drt.Engine {
	t.Helper()
	engines.Lock()
	defer engines.Unlock()
	if engines.byKind == nil {
		engines.byKind = map[string]*preparedEngine{}
	}
	p, ok := engines.byKind[spec.Kind]
	if !ok {
		p = &preparedEngine{}
		p.engine, p.err = drt.NewEngine(spec)
		if p.err == nil {
			p.err = buildTestImages(p.engine, func(format string, args ...any) { t.Logf(format, args...) })
		}
		engines.byKind[spec.Kind] = p
	}
	if p.err != nil {
		if strings.Contains(p.err.Error(), "info") {
			noEngine(t, p.err)
		}
		t.Fatalf("prepare %s engine: %v", spec.Kind, p.err)
	}
	return p.engine
}

// testBinaryLabel carries the sha256 of the testprog binary a test image
// was built from.
const testBinaryLabel = "devarch.test.binary"

// buildTestImages builds tests/testprog statically, its image as
// testImage, and tags it with every name from templateImages.
func buildTestImages(e *drt.Engine, logf func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "devarch-testprog-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := buildTestprog(ctx, filepath.Join(dir, "testprog")); err != nil {
		return err
	}
	bin, err := os.ReadFile(filepath.Join(dir, "testprog"))
	if err != nil {
		return err
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(bin))
	// An image already built from this very binary is kept: rebuilding
	// would give it a new ID, and every tag moved to that ID is an image
	// "updated behind its tag" for a stack another test process (another
	// engine kind, another checkout) applied meanwhile.
	have, err := e.ImageLabel(ctx, testImage, testBinaryLabel)
	if err != nil {
		return err
	}
	if have != sum {
		df, err := os.ReadFile(filepath.Join(repoRoot(), "tests", "testprog", "Dockerfile"))
		if err != nil {
			return err
		}
		df = fmt.Appendf(df, "LABEL %s=%s\n", testBinaryLabel, sum)
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
			return err
		}
		if err := e.BuildImage(ctx, dir, testImage); err != nil {
			return err
		}
	}
	names, err := templateImages()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := e.TagImage(ctx, testImage, n); err != nil {
			return err
		}
	}
	logf("%s: built %s, tagged as %s", e.Name(), testImage, strings.Join(names, ", "))
	return nil
}

// buildTestprog compiles tests/testprog as a static binary at out.
func buildTestprog(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./tests/testprog")
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build testprog: %w\n%s", err, b)
	}
	return nil
}

// templateImages lists the images named by core/catalog/templates/*.yml
// and tests/testdata/templates/*.yml, each also fully qualified
// (docker.io/library/...), so Docker and Podman resolve them alike.
func templateImages() ([]string, error) {
	root := repoRoot()
	var files []string
	for _, pattern := range []string{"core/catalog/templates/*.yml", "tests/testdata/templates/*.yml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	set := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			v, ok := strings.CutPrefix(line, "image:")
			if !ok {
				continue
			}
			img := strings.Trim(strings.TrimSpace(v), `"'`)
			if img == "" {
				continue
			}
			set[img] = true
			set[qualifiedImage(img)] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// qualifiedImage adds the registry Docker assumes: redis:7 becomes
// docker.io/library/redis:7, devarch/x:1 becomes docker.io/devarch/x:1.
func qualifiedImage(ref string) string {
	first, rest, hasSlash := strings.Cut(ref, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return ref
	}
	if !hasSlash {
		return "docker.io/library/" + ref
	}
	return "docker.io/" + first + "/" + rest
}

// waitFor polls cond every 250ms until it returns true or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
