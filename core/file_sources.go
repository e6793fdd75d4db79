package core

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FileSource is a config file of an instance that follows a file on the
// CLI's host (ConfigFile.Source).
type FileSource struct {
	Instance string `json:"instance"`
	Target   string `json:"target"`
	Source   string `json:"source"`
}

// FileSources lists the files of st's instances that follow a source,
// sorted by instance and target.
func FileSources(st Stack) []FileSource {
	var out []FileSource
	for _, in := range st.Instances {
		for _, target := range slices.Sorted(maps.Keys(in.Overrides.Files)) {
			if src := in.Overrides.Files[target].Source; src != "" {
				out = append(out, FileSource{Instance: in.Name, Target: target, Source: src})
			}
		}
	}
	slices.SortFunc(out, func(a, b FileSource) int {
		if c := strings.Compare(a.Instance, b.Instance); c != 0 {
			return c
		}
		return strings.Compare(a.Target, b.Target)
	})
	return out
}

// ApplySources returns st with the content of every file that follows a
// source found in contents (keyed by source path) replaced by what
// contents holds; a file whose source contents lacks keeps its stored
// content. st itself is not changed. Content is checked as `instance set`
// checks it; an error names the instance, the target and the source, never
// the content.
func ApplySources(st Stack, contents map[string]string) (Stack, error) {
	if len(contents) == 0 {
		return st, nil
	}
	var errs FieldErrors
	out := st
	out.Instances = slices.Clone(st.Instances)
	for i := range out.Instances {
		in := &out.Instances[i]
		var files map[string]ConfigFile
		for _, target := range slices.Sorted(maps.Keys(in.Overrides.Files)) {
			f := in.Overrides.Files[target]
			content, ok := contents[f.Source]
			if f.Source == "" || !ok || content == f.Content {
				continue
			}
			if p := FileContentProblem(content); p != "" {
				errs = append(errs, Errf(fmt.Sprintf("instances.%s.files.%s", in.Name, target),
					fmt.Sprintf("source %s: %s", f.Source, p)))
				continue
			}
			if files == nil {
				files = maps.Clone(in.Overrides.Files)
			}
			f.Content = content
			files[target] = f
		}
		if files != nil {
			in.Overrides.Files = files
		}
	}
	if err := errs.Err(); err != nil {
		return st, err
	}
	return out, nil
}

// AssumedSources returns, for the files of st that follow a source, the
// content d (a plan's desired state) holds for them, keyed by source path:
// what a saved plan assumed, so it is checked and applied with exactly that.
func AssumedSources(st Stack, d Desired) map[string]string {
	var out map[string]string
	for _, fs := range FileSources(st) {
		svc, ok := d.Service(fs.Instance)
		if !ok {
			continue
		}
		for _, f := range svc.Files {
			if f.Target == fs.Target {
				if out == nil {
					out = map[string]string{}
				}
				out[fs.Source] = f.Content
			}
		}
	}
	return out
}
