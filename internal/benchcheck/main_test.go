package main

import (
	"slices"
	"testing"
)

const baseOut = `goos: linux
pkg: example.com/a
BenchmarkX-2   	 100	  1000 ns/op	  10 B/op	 1 allocs/op
BenchmarkX-2   	 100	  1100 ns/op	  10 B/op	 1 allocs/op
BenchmarkX-2   	 100	  900 ns/op	  10 B/op	 1 allocs/op
BenchmarkY/n=10-2 	 100	  50 ns/op
pkg: example.com/b
BenchmarkX-2   	 100	  2000 ns/op
PASS
`

func TestCompare(t *testing.T) {
	base := parse(baseOut)
	if got := base["example.com/a.BenchmarkX-2"]; !slices.Equal(got, []float64{1000, 1100, 900}) {
		t.Fatalf("parsed %v", got)
	}
	for _, c := range []struct {
		name, out      string
		slower         []string
		missing, extra int
	}{
		{"same", baseOut, nil, 0, 0},
		{"19% slower passes", "pkg: example.com/a\nBenchmarkX-2 1 1190 ns/op\nBenchmarkY/n=10-2 1 50 ns/op\npkg: example.com/b\nBenchmarkX-2 1 2000 ns/op\n", nil, 0, 0},
		{"21% slower fails", "pkg: example.com/a\nBenchmarkX-2 1 1210 ns/op\nBenchmarkX-2 1 1300 ns/op\nBenchmarkX-2 1 800 ns/op\nBenchmarkY/n=10-2 1 40 ns/op\npkg: example.com/b\nBenchmarkX-2 1 2000 ns/op\n",
			[]string{"example.com/a.BenchmarkX-2"}, 0, 0},
		{"same name in another package is another benchmark", "pkg: example.com/b\nBenchmarkX-2 1 9000 ns/op\npkg: example.com/c\nBenchmarkZ-2 1 1 ns/op\n",
			[]string{"example.com/b.BenchmarkX-2"}, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := compare(base, parse(c.out), 0.20)
			if !slices.Equal(rep.slower, c.slower) || len(rep.missing) != c.missing || len(rep.unbacked) != c.extra {
				t.Errorf("slower %v missing %v unbacked %v", rep.slower, rep.missing, rep.unbacked)
			}
		})
	}
}
