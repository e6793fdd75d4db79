// Package catalog is devarch's built-in template catalog.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

//go:embed templates/*.yml
var files embed.FS

// Builtin returns every built-in template by name, decoded afresh so the
// caller may change the result freely. Each has Builtin set.
func Builtin() map[string]core.Template {
	out := map[string]core.Template{}
	for _, name := range Names() {
		t, err := load(name)
		if err != nil {
			panic(err)
		}
		out[name] = t
	}
	return out
}

// Get returns one built-in template and whether it exists.
func Get(name string) (core.Template, bool) {
	if !slices.Contains(Names(), name) {
		return core.Template{}, false
	}
	t, err := load(name)
	if err != nil {
		panic(err)
	}
	return t, true
}

// Names lists the built-in templates, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, "templates")
	if err != nil {
		panic(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yml"))
	}
	slices.Sort(names)
	return names
}

// load decodes templates/{name}.yml; its name must match the file's.
func load(name string) (core.Template, error) {
	data, err := files.ReadFile(path.Join("templates", name+".yml"))
	if err != nil {
		return core.Template{}, fmt.Errorf("built-in template %s: %w", name, err)
	}
	t, err := core.DecodeTemplateYAML(data)
	if err != nil {
		return core.Template{}, fmt.Errorf("built-in template %s: %w", name, err)
	}
	if t.Name != name {
		return core.Template{}, fmt.Errorf("built-in template file %s.yml names template %q", name, t.Name)
	}
	t.Builtin = true
	return t, nil
}
