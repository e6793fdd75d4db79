package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/plugin/client"
)

// readSourceFile reads a config file's local file with the CLI user's
// rights, refusing one larger than a config file may be (core.MaxFileContent)
// without reading it all. Errors carry no path: the caller names it.
func readSourceFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bareError(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("is a directory")
	}
	b, err := io.ReadAll(io.LimitReader(f, core.MaxFileContent+1))
	if err != nil {
		return nil, bareError(err)
	}
	if len(b) > core.MaxFileContent {
		return nil, fmt.Errorf("is larger than %d MiB, the limit of a config file's content", core.MaxFileContent>>20)
	}
	return b, nil
}

// fileSources reads, now, every local file the config files of stack
// follow (`instance set --file TARGET=@PATH` without --copy) and returns
// their contents by path, for a plan or apply request: the daemon plans
// with them instead of the contents stored when the file was set. The CLI
// reads them, with its user's rights; the daemon never opens them. A file
// that cannot be read fails the plan, naming the instance, the target and
// the path.
func fileSources(ctx context.Context, cl *client.Client, stack string) (map[string]string, error) {
	sources, err := cl.FileSources(ctx, stack)
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for _, fs := range sources {
		if _, done := out[fs.Source]; done {
			continue
		}
		b, err := readSourceFile(fs.Source)
		if err != nil {
			return nil, withHint(fmt.Errorf("instance %s, file %s: cannot read its source %s: %v", fs.Instance, fs.Target, fs.Source, err),
				fmt.Sprintf("restore it, or set the file again with `instance set %s %s --file %s=@PATH` (with --copy it is stored once and no file is followed)", stack, fs.Instance, fs.Target))
		}
		if out == nil {
			out = map[string]string{}
		}
		out[fs.Source] = string(b)
	}
	return out, nil
}
