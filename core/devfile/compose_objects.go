package devfile

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// defaultObjectMode is the mode compose gives a secret or config file.
const defaultObjectMode = 0o444

// serviceObjects turns the secrets and configs a service uses into config
// files mounted where compose mounts them: a secret at /run/secrets/NAME
// (or its target), sensitive; a config at /NAME (or its target). Their
// content comes from the top-level definition: `file:` (read by the CLI and
// passed in ComposeOptions.Files), `environment:` or `content:`; an
// external one is a warning.
func (c *composeConverter) serviceObjects(name string, s types.ServiceConfig) []core.ConfigFile {
	var out []core.ConfigFile
	for i, ref := range s.Secrets {
		field := fmt.Sprintf("services.%s.secrets[%d]", name, i)
		def, ok := c.project.Secrets[ref.Source]
		if !ok {
			continue // compose-go refuses an undefined secret
		}
		target := ref.Target
		if target == "" {
			target = ref.Source
		}
		if !path.IsAbs(target) {
			target = "/run/secrets/" + target
		}
		if f, ok := c.object(field, "secrets", ref.Source, types.FileObjectConfig(def), types.FileReferenceConfig(ref), target); ok {
			f.Sensitive = true
			out = append(out, f)
		}
	}
	for i, ref := range s.Configs {
		field := fmt.Sprintf("services.%s.configs[%d]", name, i)
		def, ok := c.project.Configs[ref.Source]
		if !ok {
			continue
		}
		target := ref.Target
		if target == "" {
			target = "/" + ref.Source
		}
		if !path.IsAbs(target) {
			target = "/" + target
		}
		if f, ok := c.object(field, "configs", ref.Source, types.FileObjectConfig(def), types.FileReferenceConfig(ref), target); ok {
			out = append(out, f)
		}
	}
	return out
}

func (c *composeConverter) object(field, kind, source string, def types.FileObjectConfig, ref types.FileReferenceConfig, target string) (core.ConfigFile, bool) {
	top := kind + "." + source
	f := core.ConfigFile{Target: path.Clean(target), Mode: defaultObjectMode}
	if ref.Mode != nil {
		f.Mode = uint32(*ref.Mode)
	}
	if ref.UID != "" || ref.GID != "" {
		c.warn("%s: uid/gid not carried over: devarch mounts %s owned by the daemon's user, readable by mode %s", field, f.Target, strconv.FormatUint(uint64(f.Mode), 8))
	}
	switch {
	case bool(def.External):
		c.warn("%s.external: not carried over: %s is not mounted at %s; devarch has no external %s, give the value as a config file (`devarch instance set %s SERVICE --file %s=@FILE`)", top, source, f.Target, kind, c.stack, f.Target)
		return f, false
	case def.File != "":
		content, ok := c.files[def.File]
		if !ok {
			c.fail(top+".file", fmt.Sprintf("%s was not read: the CLI reads the files secrets and configs name and sends their content", def.File), "check that the file exists and is readable")
			return f, false
		}
		f.Content = content
	case def.Environment != "":
		v, ok := c.env[def.Environment]
		if def.Content != "" {
			v, ok = def.Content, true
		}
		if !ok {
			c.fail(top+".environment", fmt.Sprintf("variable %s is not set", def.Environment), "set it in the environment or the .env file")
			return f, false
		}
		f.Content = v
	default:
		f.Content = def.Content
	}
	return f, true
}

// ObjectFiles returns the `file:` paths of a compose file's top-level
// secrets and configs, interpolated from env, as written (relative to the
// compose file's directory unless absolute), sorted. The CLI reads them and
// passes their content in ComposeOptions.Files, keyed by absolute path.
func ObjectFiles(data []byte, env map[string]string) []string {
	raw := rawCompose(data)
	set := map[string]bool{}
	for _, kind := range []string{"secrets", "configs"} {
		defs, _ := raw[kind].(map[string]any)
		for _, d := range defs {
			dm, _ := d.(map[string]any)
			f, ok := dm["file"].(string)
			if !ok || f == "" {
				continue
			}
			if v, err := template.SubstituteWithOptions(f, func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			}, template.WithoutLogging); err == nil {
				f = v
			}
			set[f] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
