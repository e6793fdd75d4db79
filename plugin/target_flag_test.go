package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// TestTargetFlagRefusesEmpty: `--target ""` (an unset variable in a
// script) is an error before any daemon is asked, never a plan or apply of
// the whole stack.
func TestTargetFlagRefusesEmpty(t *testing.T) {
	env := envOf(map[string]string{"DEVARCH_HOME": t.TempDir()})
	for _, argv := range [][]string{
		{"devarch", "apply", "s", "--target", ""},
		{"devarch", "apply", "s", "--target="},
		{"devarch", "plan", "s", "--target", ""},
		{"devarch", "plan", "s", "--target", "api,"},
		{"devarch", "plan", "s", "--target", "api", "--target", " "},
	} {
		t.Run(strings.Join(argv[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), argv, strings.NewReader(""), &out, &errOut, env)
			if code != 1 || !strings.Contains(errOut.String(), "--target") || !strings.Contains(errOut.String(), "empty instance name") {
				t.Errorf("exit %d; want 1 naming --target and the empty name\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
			}
		})
	}
}

func TestTargetsValue(t *testing.T) {
	var names []string
	v := newTargetsValue(&names)
	for _, s := range []string{"api, worker", "db"} {
		if err := v.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"api", "worker", "db"}; !slices.Equal(names, want) {
		t.Errorf("names = %q; want %q", names, want)
	}
}
