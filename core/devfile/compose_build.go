package devfile

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// buildKeys are the build settings devarch keeps; the others are warnings.
var buildKeys = map[string]bool{"context": true, "dockerfile": true, "target": true, "args": true}

// build converts a service's build: its context (resolved against the
// compose file's directory by the loader), Dockerfile, target and args, and
// the image name it tags when the service names one.
func (c *composeConverter) build(path string, s types.ServiceConfig) *core.ImageBuild {
	b := s.Build
	if strings.Contains(b.Context, "://") || strings.HasPrefix(b.Context, "git@") {
		c.fail(path+".build.context", fmt.Sprintf("%q is a remote build context, which is not supported: devarch builds from a local directory it can watch for changes", b.Context),
			"clone the repository and point build.context at the directory")
		return nil
	}
	out := &core.ImageBuild{Context: filepath.Clean(b.Context), Dockerfile: b.Dockerfile, Target: b.Target, Image: s.Image}
	if rel, err := filepath.Rel(out.Context, out.Dockerfile); err == nil && filepath.IsAbs(out.Dockerfile) && !strings.HasPrefix(rel, "..") {
		out.Dockerfile = filepath.ToSlash(rel)
	}
	if out.Dockerfile == "Dockerfile" {
		out.Dockerfile = ""
	}
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		if v := b.Args[k]; v != nil { // an arg without a value and no variable is left out, as compose does
			if out.Args == nil {
				out.Args = core.BuildArgs{}
			}
			out.Args[k] = *v
		}
	}
	raw, _ := c.model[s.Name]["build"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !buildKeys[k] {
			c.warn("%s.build.%s: not carried over: devarch builds with context, dockerfile, target and args only", path, k)
		}
	}
	return out
}

// catalogExports are the exports of the catalog template bt a service of
// the same image gets, so it can be wired to: only those whose env renders
// from the service's own env (the catalog's env does not come in) and, when
// the service publishes ports, whose port is among them.
func (c *composeConverter) catalogExports(path, name string, bt core.Template, env map[string]core.EnvVar, ports []core.Port) []core.Export {
	vals := map[string]string{}
	for k, v := range env {
		vals[k] = v.Value
	}
	data := core.ExportData{Host: core.ContainerName(c.stack, name), Instance: name, Stack: c.stack, Env: vals}
	var out []core.Export
	for _, e := range bt.Exports {
		data.Port = e.Port
		ok := true
		for _, k := range slices.Sorted(maps.Keys(e.Env)) {
			tpl, err := template.New(k).Option("missingkey=error").Parse(e.Env[k])
			if err == nil {
				err = tpl.Execute(new(strings.Builder), data)
			}
			if err != nil {
				ok = false
				break
			}
		}
		// A template that lists ports must list the one an export names.
		if ok && len(ports) > 0 && !slices.ContainsFunc(ports, func(p core.Port) bool { return p.Container == e.Port }) {
			c.warn("%s: the %s contract of the catalog's %s template is not offered for wiring: its port %d is not among the ports the service publishes", path, e.Type, bt.Name, e.Port)
			continue
		}
		if !ok {
			c.warn("%s: the %s contract of the catalog's %s template is not offered for wiring: its connection env needs variables the service does not set", path, e.Type, bt.Name)
			continue
		}
		e.Env = maps.Clone(e.Env)
		out = append(out, e)
	}
	return out
}
