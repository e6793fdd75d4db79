package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestEveryCommandHasExamples(t *testing.T) {
	c := newCLI(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, envOf(nil))
	root := c.rootCommand()
	if missing := missingExamples(root); len(missing) > 0 {
		t.Errorf("commands without examples: %s", strings.Join(missing, ", "))
	}
	for path := range examples {
		found := path == ""
		if !found {
			if cmd, _, err := root.Find(strings.Fields(path)); err == nil && commandPath(root, cmd) == path {
				found = true
			}
		}
		if !found {
			t.Errorf("examples of %q: no such command", path)
		}
	}
}

func TestHelpShowsExamples(t *testing.T) {
	for _, args := range [][]string{{"plan", "--help"}, {"instance", "set", "--help"}, {"--help"}} {
		var out, errOut bytes.Buffer
		c := newCLI(strings.NewReader(""), &out, &errOut, envOf(map[string]string{"DEVARCH_HOME": t.TempDir()}))
		if code := c.execute(context.Background(), args); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, errOut.String())
		}
		if !strings.Contains(out.String(), "Examples:\n  devarch ") {
			t.Errorf("%q prints no examples:\n%s", args, out.String())
		}
	}
}
