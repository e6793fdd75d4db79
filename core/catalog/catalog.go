// Package catalog is devarch's built-in template catalog.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/devarch-dev/devarch/core"
)

//go:embed templates/*.yml
var files embed.FS

// decoded is the catalog, decoded once: the embedded files never change.
var decoded = sync.OnceValue(func() map[string]core.Template {
	out := map[string]core.Template{}
	for _, name := range Names() {
		t, err := load(name)
		if err != nil {
			panic(err) // the embedded catalog is checked by the package's tests
		}
		out[name] = t
	}
	return out
})

// Builtin returns every built-in template by name, as deep copies the
// caller may change freely. Each has Builtin set.
func Builtin() map[string]core.Template {
	all := decoded()
	out := make(map[string]core.Template, len(all))
	for name, t := range all {
		out[name] = t.Clone()
	}
	return out
}

// Get returns a deep copy of one built-in template and whether it exists.
func Get(name string) (core.Template, bool) {
	t, ok := decoded()[name]
	if !ok {
		return core.Template{}, false
	}
	return t.Clone(), true
}

// Has reports whether name is a built-in template.
func Has(name string) bool {
	_, ok := decoded()[name]
	return ok
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
