//go:build e2e

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
	"github.com/devarch-dev/devarch/daemon/api"
	drt "github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// The scale benchmarks of the real CLI and daemon: a 500-instance wired
// stack planned against `docker compose config` of its compose file, and
// the daemon's memory in a home of 1,000 stacks of 40 instances. The homes
// are written through the store directly (tens of thousands of CLI calls
// would take minutes), then the daemon is started on them by the first CLI
// call. Stack and compose project names start with "bench"; the proxies'
// host ports (never published: nothing here is applied) are in 20000-31000.

// storeHome is a fresh home driving e's engine whose store holds
// benchfix's user templates and stacks; the daemon is not running yet.
func storeHome(b *testing.B, e *drt.Engine, stacks func(put func(core.Stack) error) error) *home {
	b.Helper()
	h := newHomeTB(b)
	h.env = append(h.env, "DEVARCH_RUNTIME="+e.Kind())
	st, err := store.OpenWithKeyFile(h.Dir)
	if err != nil {
		b.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		for _, t := range benchfix.UserTemplates() {
			if err := tx.PutTemplate(t); err != nil {
				return err
			}
		}
		return stacks(tx.PutStack)
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkE2EPlanWired500 plans a never-applied 500-instance wired stack
// (benchfix.Wired: 63 cells of db, cache, queue, mail, api, worker, web and
// proxy, 565 explicit wires) through the CLI and daemon, and runs plain
// `docker compose config` on the compose file devarch generates for it:
//
//   - devarch-plan: `devarch plan STACK` (CLI -> daemon: store reads, Build,
//     compose generation, checks across stacks, the engine's container
//     listing, Compute, redaction, rendering 500 creates).
//   - compose-config: `docker compose -p P -f FILE config`.
func BenchmarkE2EPlanWired500(b *testing.B) {
	e := requireEngine(b)
	const stack = "benchwide"
	h := storeHome(b, e, func(put func(core.Stack) error) error {
		return put(benchfix.Wired(stack, 500, 20000))
	})
	file := filepath.Join(b.TempDir(), "compose.yml")
	if err := os.WriteFile(file, []byte(h.ok("config", stack, "--show-secrets")), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("devarch-plan", func(b *testing.B) {
		h.ok("plan", stack) // the daemon is started by the config above; warm it
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			h.ok("plan", stack)
		}
	})
	b.Run("compose-config", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			benchCompose(b, e.ComposeConfigFile, stack, file)
		}
	})
}

// procStatus reads the kB figure of field (VmRSS, VmHWM) from
// /proc/PID/status and returns it in MiB.
func procStatus(b *testing.B, pid int, field string) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatalf("/proc/%d/status %s: %v", pid, line, err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// daemonPID is the pid of h's running daemon.
func daemonPID(b *testing.B, h *home) int {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(h.Dir, api.PIDName))
	if err != nil {
		b.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		b.Fatal(err)
	}
	return pid
}

// BenchmarkE2EDaemonMemory starts the daemon on a home of 1,000 stacks of
// 40 wired instances, serves `stack ls` and one plan of one of them, then
// reads the daemon's resident memory after 10 s idle (idle-MiB: VmRSS;
// the Go runtime returns freed memory to the system gradually) and, after
// b.N more plans, its peak since it started (peak-MiB: VmHWM). ns/op is
// one `devarch plan` of the 40-instance stack in that home.
func BenchmarkE2EDaemonMemory(b *testing.B) {
	e := requireEngine(b)
	const stacks, instances = 1000, 40
	h := storeHome(b, e, func(put func(core.Stack) error) error {
		for i := range stacks {
			if err := put(benchfix.Wired(fmt.Sprintf("bench%04d", i), instances, 20000+i*10)); err != nil {
				return err
			}
		}
		return nil
	})
	if out := h.ok("stack", "ls"); strings.Count(out, "bench") != stacks {
		b.Fatalf("stack ls lists %d stacks, want %d:\n%.2000s", strings.Count(out, "bench"), stacks, out)
	}
	pid := daemonPID(b, h)
	h.ok("plan", "bench0500")
	time.Sleep(10 * time.Second)
	idle := procStatus(b, pid, "VmRSS")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ok("plan", "bench0500")
	}
	b.StopTimer()
	b.ReportMetric(idle, "idle-MiB")
	b.ReportMetric(procStatus(b, pid, "VmHWM"), "peak-MiB")
	b.ReportMetric(procStatus(b, pid, "VmRSS"), "after-MiB")
}

// fiftyStack defines stack name in h: db (e2e-db) and 49 instances of
// e2e-api (api00 ... api48), each auto-wired to db and starting once db is
// healthy; no host ports.
func fiftyStack(h *home, name string) {
	h.t.Helper()
	h.ok("stack", "create", name)
	h.ok("instance", "add", name, "db", "--template", "e2e-db")
	for i := range 49 {
		h.ok("instance", "add", name, fmt.Sprintf("api%02d", i), "--template", "e2e-api")
	}
}

// BenchmarkE2EUp50 is BenchmarkE2EUp and BenchmarkE2ENoop for a
// 50-instance stack (fiftyStack), devarch and compose side by side on the
// identical compose file; only one of the two projects runs at a time (50
// containers with 1 s healthchecks load a small machine already):
//
//   - first/devarch-apply, first/compose-up-wait: from nothing until every
//     container runs healthy (teardown untimed).
//   - noop/devarch-plan, noop/devarch-apply, noop/compose-up-wait: the same
//     commands on the running, unchanged project.
func BenchmarkE2EUp50(b *testing.B) {
	e := requireEngine(b)
	h := benchHome(b, e)
	const stack, project = "benchfifty", "benchfiftyc"
	fiftyStack(h, stack)
	fiftyStack(h, project)
	file := filepath.Join(b.TempDir(), "compose.yml")
	if err := os.WriteFile(file, []byte(h.ok("config", project, "--show-secrets")), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		h.run("destroy", stack, "--auto-approve")
		e.ComposeDownFile(context.Background(), project, file)
	})
	b.Run("first/devarch-apply", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StartTimer()
			h.ok("apply", stack, "--auto-approve")
			b.StopTimer()
			h.ok("destroy", stack, "--auto-approve")
		}
	})
	b.Run("first/compose-up-wait", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StartTimer()
			benchCompose(b, e.ComposeUpWait, project, file)
			b.StopTimer()
			benchCompose(b, e.ComposeDownFile, project, file)
		}
	})
	// devarch times `devarch ARGS...` on the applied stack, brought up
	// and torn down untimed.
	devarch := func(args ...string) func(b *testing.B) {
		return func(b *testing.B) {
			h.ok("apply", stack, "--auto-approve")
			b.Cleanup(func() { h.run("destroy", stack, "--auto-approve") })
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.ok(args...)
			}
			b.StopTimer()
		}
	}
	b.Run("noop/devarch-plan", devarch("plan", stack, "--detailed-exitcode"))
	b.Run("noop/devarch-apply", devarch("apply", stack, "--auto-approve"))
	b.Run("noop/compose-up-wait", func(b *testing.B) {
		benchCompose(b, e.ComposeUpWait, project, file)
		b.Cleanup(func() { benchCompose(b, e.ComposeDownFile, project, file) })
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			benchCompose(b, e.ComposeUpWait, project, file)
		}
		b.StopTimer()
	})
}

// reportLatencies reports the median and the 99th percentile of ds, in
// milliseconds, as custom metrics.
func reportLatencies(b *testing.B, ds []time.Duration) {
	b.Helper()
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.5), "median-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkE2EInstanceShow times `instance show STACK INSTANCE`, process
// start included, one call per op (run it with -benchtime 1000x), and
// reports the median and p99 of the calls:
//
//   - standalone: the devarch binary.
//   - docker-plugin: `docker devarch instance show ...`, the docker CLI
//     finding the plugin (docker-devarch in a cliPluginsExtraDirs of a
//     fresh DOCKER_CONFIG) and running it.
func BenchmarkE2EInstanceShow(b *testing.B) {
	e := requireEngine(b)
	h := benchHome(b, e)
	const stack = "benchshow"
	benchStack(h, stack, 17141)
	args := []string{"instance", "show", stack, "api"}
	h.ok(args...) // the daemon is up
	b.Run("standalone", func(b *testing.B) {
		ds := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			h.ok(args...)
			ds = append(ds, time.Since(start))
		}
		b.StopTimer()
		reportLatencies(b, ds)
	})
	b.Run("docker-plugin", func(b *testing.B) {
		if e.Kind() != drt.KindDocker {
			b.Skip("the docker CLI plugin needs Docker")
		}
		pluginDir, configDir := b.TempDir(), b.TempDir()
		e2pInstallBinary(b, filepath.Join(pluginDir, "docker-devarch"))
		cfg := fmt.Sprintf(`{"cliPluginsExtraDirs": [%q]}`, pluginDir)
		if err := os.WriteFile(filepath.Join(configDir, "config.json"), []byte(cfg), 0o600); err != nil {
			b.Fatal(err)
		}
		env := []string{"DOCKER_CONFIG=" + configDir, "DEVARCH_HOME=" + h.Dir}
		ctx := context.Background()
		b.ResetTimer()
		ds := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, stderr, err := e.CLI(ctx, env, append([]string{"devarch"}, args...)...); err != nil {
				b.Fatalf("docker devarch %s: %v\n%s", strings.Join(args, " "), err, stderr)
			}
			ds = append(ds, time.Since(start))
		}
		b.StopTimer()
		reportLatencies(b, ds)
	})
}
