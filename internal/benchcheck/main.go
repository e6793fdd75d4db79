// Command benchcheck compares `go test -bench` output with a committed
// baseline and fails when a benchmark's median ns/op grew by more than the
// allowed fraction (make bench-check, BENCHMARKS.md).
//
// Usage: go run ./internal/benchcheck -base bench/baseline.txt -new FILE [-max 0.20]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	base := flag.String("base", "bench/baseline.txt", "baseline `go test -bench` output")
	cur := flag.String("new", "", "`go test -bench` output to check")
	maxSlow := flag.Float64("max", 0.20, "largest allowed growth of a median ns/op (0.20: 20 %)")
	flag.Parse()
	if *cur == "" {
		fmt.Fprintln(os.Stderr, "benchcheck: -new is required")
		os.Exit(2)
	}
	b, err := readFile(*base)
	if err == nil {
		var n map[string][]float64
		if n, err = readFile(*cur); err == nil {
			rep := compare(b, n, *maxSlow)
			rep.write(os.Stdout)
			if len(rep.slower) > 0 {
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintln(os.Stderr, "benchcheck:", err)
	os.Exit(2)
}

func readFile(path string) (map[string][]float64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(string(raw)), nil
}

// parse collects the ns/op of every result line, by package-qualified
// benchmark name (GOMAXPROCS suffix kept).
func parse(out string) map[string][]float64 {
	res := map[string][]float64{}
	pkg := ""
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i++ {
			if f[i+1] != "ns/op" {
				continue
			}
			var v float64
			if _, err := fmt.Sscan(f[i], &v); err == nil {
				res[pkg+"."+f[0]] = append(res[pkg+"."+f[0]], v)
			}
			break
		}
	}
	return res
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type row struct {
	name      string
	base, new float64
}

type report struct {
	rows              []row
	slower            []string
	missing, unbacked []string // in the baseline only; in the new run only
	max               float64
}

func compare(base, cur map[string][]float64, maxSlow float64) report {
	rep := report{max: maxSlow}
	for _, name := range slices.Sorted(mapKeys(base)) {
		vs, ok := cur[name]
		if !ok {
			rep.missing = append(rep.missing, name)
			continue
		}
		r := row{name: name, base: median(base[name]), new: median(vs)}
		rep.rows = append(rep.rows, r)
		if r.new > r.base*(1+maxSlow) {
			rep.slower = append(rep.slower, name)
		}
	}
	for _, name := range slices.Sorted(mapKeys(cur)) {
		if _, ok := base[name]; !ok {
			rep.unbacked = append(rep.unbacked, name)
		}
	}
	return rep
}

func mapKeys(m map[string][]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (rep report) write(w io.Writer) {
	fmt.Fprintf(w, "%-90s %14s %14s %8s\n", "benchmark (median ns/op)", "baseline", "now", "delta")
	for _, r := range rep.rows {
		mark := ""
		if slices.Contains(rep.slower, r.name) {
			mark = "  SLOWER"
		}
		fmt.Fprintf(w, "%-90s %14.0f %14.0f %+7.1f%%%s\n", r.name, r.base, r.new, (r.new/r.base-1)*100, mark)
	}
	for _, n := range rep.missing {
		fmt.Fprintf(w, "not run (in the baseline only): %s\n", n)
	}
	for _, n := range rep.unbacked {
		fmt.Fprintf(w, "no baseline (new benchmark): %s\n", n)
	}
	if len(rep.slower) > 0 {
		fmt.Fprintf(w, "FAIL: %d benchmark(s) more than %.0f%% slower than the baseline\n", len(rep.slower), rep.max*100)
		return
	}
	fmt.Fprintf(w, "ok: no benchmark more than %.0f%% slower than the baseline\n", rep.max*100)
}
