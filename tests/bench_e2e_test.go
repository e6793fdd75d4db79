//go:build e2e

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	drt "github.com/devarch-dev/devarch/daemon/runtime"
)

// The end-to-end benchmarks time the same 3-service project brought up by
// devarch and by plain docker compose, in one run. The project is db
// (tests/testdata/templates/e2e-db.yml) with api and worker (two instances
// of e2e-api.yml, each auto-wired to db): three containers of the FROM
// scratch test image, each with a 1s-interval healthcheck, api and worker
// starting once db is healthy (depends_on service_healthy).
//
// The plain compose side runs the very compose file devarch generates for
// an identically defined stack (`devarch config --show-secrets`), only with
// its own project name and host ports, so both sides start the same
// containers in the same order and wait for the same healthchecks. Stack
// and compose project names start with "bench"; host ports are in
// 17000-17999. Teardown (destroy, compose down) is outside the timed region.

// benchCompose runs one plain compose command (e.ComposeUpWait or
// e.ComposeDownFile) with a 3-minute bound, failing b on an error.
func benchCompose(b *testing.B, run func(context.Context, string, string) error, project, file string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx, project, file); err != nil {
		b.Fatal(err)
	}
}

// benchStack defines stack name in h: db, api and worker with host ports
// basePort+0..2 (api's and worker's 8080, db's 5432).
func benchStack(h *home, name string, basePort int) {
	h.t.Helper()
	h.ok("stack", "create", name)
	h.ok("instance", "add", name, "db", "--template", "e2e-db")
	h.ok("instance", "add", name, "api", "--template", "e2e-api")
	h.ok("instance", "add", name, "worker", "--template", "e2e-api")
	h.ok("instance", "set", name, "api", "--port", fmt.Sprintf("127.0.0.1:%d:8080", basePort))
	h.ok("instance", "set", name, "worker", "--port", fmt.Sprintf("127.0.0.1:%d:8080", basePort+1))
	h.ok("instance", "set", name, "db", "--port", fmt.Sprintf("127.0.0.1:%d:5432", basePort+2))
}

// benchHome is a fresh devarch home driving e's engine, with the two e2e
// templates added and its daemon started.
func benchHome(b *testing.B, e *drt.Engine) *home {
	b.Helper()
	h := newHomeTB(b)
	h.env = append(h.env, "DEVARCH_RUNTIME="+e.Kind())
	for _, f := range []string{"e2e-db.yml", "e2e-api.yml"} {
		h.ok("template", "add", "-f", filepath.Join(repoRoot(), "tests", "testdata", "templates", f))
	}
	return h
}

// benchComposeFile defines stack name in h (never applied) and writes the
// compose file devarch generates for it, secrets included, to a file in a
// temporary directory; it returns the file's path.
func benchComposeFile(b *testing.B, h *home, name string, basePort int) string {
	b.Helper()
	benchStack(h, name, basePort)
	file := filepath.Join(b.TempDir(), "compose.yml")
	if err := os.WriteFile(file, []byte(h.ok("config", name, "--show-secrets")), 0o600); err != nil {
		b.Fatal(err)
	}
	return file
}

// BenchmarkE2EUp brings the 3-service project up from nothing until every
// container runs healthy, then tears it down untimed:
//
//   - devarch-apply: `devarch apply STACK --auto-approve` (CLI -> daemon:
//     plan, compose up -d, then polling until running and healthy, then the
//     applied snapshot recorded); teardown `devarch destroy`.
//   - compose-up-wait: `docker compose -p P -f FILE up -d --wait`;
//     teardown `docker compose down --volumes`.
func BenchmarkE2EUp(b *testing.B) {
	e := requireEngine(b)
	b.Run("devarch-apply", func(b *testing.B) {
		h := benchHome(b, e)
		const stack = "benchup"
		benchStack(h, stack, 17101)
		b.Cleanup(func() { h.run("destroy", stack, "--auto-approve") })
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StartTimer()
			h.ok("apply", stack, "--auto-approve")
			b.StopTimer()
			h.ok("destroy", stack, "--auto-approve")
		}
	})
	b.Run("compose-up-wait", func(b *testing.B) {
		h := benchHome(b, e)
		const project = "benchupc"
		file := benchComposeFile(b, h, project, 17111)
		b.Cleanup(func() { e.ComposeDownFile(context.Background(), project, file) })
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StartTimer()
			benchCompose(b, e.ComposeUpWait, project, file)
			b.StopTimer()
			benchCompose(b, e.ComposeDownFile, project, file)
		}
	})
}

// BenchmarkE2ENoop asks for the project when it already runs healthy and
// nothing changed (set up once, untimed):
//
//   - devarch-plan: `devarch plan STACK --detailed-exitcode` (exit 0: no
//     changes; desired vs applied snapshot vs live containers).
//   - devarch-apply: `devarch apply STACK --auto-approve`, which plans, finds
//     nothing to do and runs no compose command.
//   - compose-up-wait: `docker compose -p P -f FILE up -d --wait` on the
//     running project (compose compares and waits for health again).
func BenchmarkE2ENoop(b *testing.B) {
	e := requireEngine(b)
	const stack = "benchnoop"
	// devarch times `devarch ARGS...` on the applied stack.
	devarch := func(args ...string) func(b *testing.B) {
		return func(b *testing.B) {
			h := benchHome(b, e)
			benchStack(h, stack, 17121)
			b.Cleanup(func() { h.run("destroy", stack, "--auto-approve") })
			h.ok("apply", stack, "--auto-approve")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.ok(args...)
			}
		}
	}
	b.Run("devarch-plan", devarch("plan", stack, "--detailed-exitcode"))
	b.Run("devarch-apply", devarch("apply", stack, "--auto-approve"))
	b.Run("compose-up-wait", func(b *testing.B) {
		h := benchHome(b, e)
		const project = "benchnoopc"
		file := benchComposeFile(b, h, project, 17131)
		b.Cleanup(func() { e.ComposeDownFile(context.Background(), project, file) })
		benchCompose(b, e.ComposeUpWait, project, file)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			benchCompose(b, e.ComposeUpWait, project, file)
		}
	})
}
