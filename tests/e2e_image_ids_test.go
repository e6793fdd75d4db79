//go:build e2e

package tests

import (
	"context"
	"testing"
	"time"
)

// TestE2EImageIDs resolves several refs at once (one engine command when
// every image exists) and with one missing (left out, the others still
// resolved, each to its own ID).
func TestE2EImageIDs(t *testing.T) {
	e := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	one, err := e.ImageIDs(ctx, []string{testImage})
	if err != nil || one[testImage] == "" {
		t.Fatalf("ImageIDs(%s) = %v, %v", testImage, one, err)
	}
	id := one[testImage]
	const missing = "devarch-e2e-no-such-image:never"
	for _, tc := range []struct {
		name string
		refs []string
		want map[string]string
	}{
		{"all present, repeated", []string{testImage, "docker.io/devarch/testprog:e2e", testImage},
			map[string]string{testImage: id, "docker.io/devarch/testprog:e2e": id}},
		{"one missing", []string{missing, testImage, "docker.io/devarch/testprog:e2e"},
			map[string]string{testImage: id, "docker.io/devarch/testprog:e2e": id}},
		{"all missing", []string{missing, missing + "2"}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.ImageIDs(ctx, tc.refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ImageIDs(%v) = %v, want %v", tc.refs, got, tc.want)
			}
			for ref, want := range tc.want {
				if got[ref] != want {
					t.Errorf("ImageIDs(%v)[%s] = %q, want %q", tc.refs, ref, got[ref], want)
				}
			}
		})
	}
}
