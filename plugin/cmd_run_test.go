package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// TestComposeRunCommandLeavesNoFile: the project, secret values included,
// is readable by the command through its descriptor, and its file name is
// gone before the command starts, so a killed devarch leaves no secret on
// disk.
func TestComposeRunCommandLeavesNoFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const project = "services:\n  api:\n    environment:\n      TOKEN: s3cret-value\n"
	target := api.RunTarget{Stack: "s", Instance: "api", Project: "devarch-s", Service: "api",
		Runtime: api.RuntimeSpec{Kind: runtime.KindDocker, Binary: "/bin/dk"}, ComposeYAML: project, Workdir: t.TempDir()}
	cmd, cleanup, err := composeRunCommand(target, runtime.ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if len(cmd.ExtraFiles) != 1 {
		t.Fatalf("extra files = %v; want the project as descriptor 3", cmd.ExtraFiles)
	}
	f := cmd.ExtraFiles[0]
	if _, err := os.Stat(f.Name()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat %s: %v; want the name removed before the command starts", f.Name(), err)
	}
	entries, err := os.ReadDir(os.Getenv("TMPDIR"))
	if err != nil || len(entries) != 0 {
		t.Errorf("temp dir holds %v (%v); want nothing", entries, err)
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
	if err != nil || string(got) != project {
		t.Errorf("descriptor reads %q (%v); want the project", got, err)
	}
}
