package devfile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// MaxComposeSources bounds the files a compose file names for the loader
// (include, extends.file, env_file, label_file, an include's .env), counted
// through included and extended files; each is at most MaxSize bytes
// (README.md, "Limits").
const MaxComposeSources = 64

// ReadFunc reads the file at an absolute path. The CLI reads the disk with
// its user's rights; the daemon reads only what the CLI sent. A file that
// is not there is an error wrapping fs.ErrNotExist.
type ReadFunc func(path string) ([]byte, error)

// sourceRef is one place a compose file names another file.
type sourceRef struct {
	node   *yaml.Node // the scalar holding the path, rewritten by the daemon
	doc    string     // the file the node is in ("" for the compose file itself)
	field  string     // its key path: services.web.env_file[0]
	path   string     // absolute and clean
	loader bool       // read by compose's loader (include, extends.file), not by the conversion (env_file)
}

// sourceWalk collects the files a compose file names, reading each with
// read, recursively through included and extended compose files.
type sourceWalk struct {
	read  ReadFunc
	files map[string][]byte     // path → content
	trees map[string]*yaml.Node // compose files read, by path ("" for the main one)
	refs  []sourceRef
	seen  map[string]bool // file|service chains and included files walked
}

// ComposeSources reads the files a compose file names for compose's loader
// and the conversion: include (short and long form, with its env_file,
// project_directory and default .env), extends.file and each service's
// env_file and label_file (a string, a list, the long form with path and
// required), resolved against the file that names them, as compose does,
// and followed through included and extended files. Paths are interpolated
// from env. The result is keyed by absolute path. A missing file that is not
// required (env_file with required: false, an include's .env) is left out;
// any other read error names the key (services.web.env_file[0]) and the
// path, never the file's content. data is the compose file, workdir its
// directory (absolute).
func ComposeSources(data []byte, workdir string, env map[string]string, read ReadFunc) (map[string]string, error) {
	w, err := walkSources(data, workdir, env, read)
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for p, b := range w.files {
		if out == nil {
			out = map[string]string{}
		}
		out[p] = string(b)
	}
	return out, nil
}

func walkSources(data []byte, workdir string, env map[string]string, read ReadFunc) (*sourceWalk, error) {
	w := &sourceWalk{read: read, files: map[string][]byte{}, trees: map[string]*yaml.Node{}, seen: map[string]bool{}}
	root := parseTree(data)
	if root == nil {
		return w, nil // a file that does not parse is reported by the import
	}
	w.trees[""] = root
	if err := w.compose("", root, workdir, env); err != nil {
		return nil, err
	}
	return w, nil
}

// parseTree is the top-level mapping of a YAML document, or nil.
func parseTree(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	return doc.Content[0]
}

// follow follows aliases.
func follow(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// get is the value of key in mapping n, or nil, as the loader sees it:
// through aliases and merge keys (<<), the mapping's own key first.
func get(n *yaml.Node, key string) *yaml.Node {
	return getDepth(n, key, 0)
}

func getDepth(n *yaml.Node, key string, depth int) *yaml.Node {
	n = follow(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 32 {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i].Tag != "!!merge" {
			return follow(n.Content[i+1])
		}
	}
	for _, m := range mergedMappings(n) {
		if v := getDepth(m, key, depth+1); v != nil {
			return v
		}
	}
	return nil
}

// mergedMappings are the mappings a mapping's merge keys (<<) bring in.
func mergedMappings(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Value != "<<" || (k.Tag != "!!merge" && k.Tag != "") {
			continue
		}
		switch v := follow(n.Content[i+1]); {
		case v == nil:
		case v.Kind == yaml.MappingNode:
			out = append(out, v)
		case v.Kind == yaml.SequenceNode:
			for _, e := range v.Content {
				if e = follow(e); e != nil && e.Kind == yaml.MappingNode {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// mappingKeys are the keys of mapping n, merged ones included.
func mappingKeys(n *yaml.Node) []string {
	n = follow(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	var walk func(m *yaml.Node, depth int)
	walk = func(m *yaml.Node, depth int) {
		if depth > 32 {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i].Value; k != "<<" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		for _, mm := range mergedMappings(m) {
			walk(mm, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// scalars are the string scalars of n (a scalar or a sequence of them),
// each with its key path.
func scalars(n *yaml.Node, field string) (out []*yaml.Node, fields []string) {
	n = follow(n)
	switch {
	case n == nil:
	case n.Kind == yaml.ScalarNode:
		return []*yaml.Node{n}, []string{field}
	case n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if c = follow(c); c != nil && c.Kind == yaml.ScalarNode {
				out, fields = append(out, c), append(fields, fmt.Sprintf("%s[%d]", field, i))
			}
		}
	}
	return out, fields
}

// resolve interpolates a path as written and makes it absolute against dir.
func resolve(value, dir string, env map[string]string) string {
	if v, err := template.SubstituteWithOptions(value, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, template.WithoutLogging); err == nil {
		value = v
	}
	if !filepath.IsAbs(value) {
		value = filepath.Join(dir, value)
	}
	return filepath.Clean(value)
}

// where names a key of a file in messages.
func where(doc, field string) string {
	if doc == "" {
		return field
	}
	return fmt.Sprintf("%s (in %s)", field, doc)
}

// load reads path once; optional files that do not exist give nil, false.
func (w *sourceWalk) load(ref sourceRef, optional bool) ([]byte, bool, error) {
	w.refs = append(w.refs, ref)
	if b, ok := w.files[ref.path]; ok {
		return b, true, nil
	}
	if len(w.files) >= MaxComposeSources {
		return nil, false, ref.err(fmt.Sprintf("%s is one file too many: a compose file may name at most %d files (include, extends, env_file, label_file)", ref.path, MaxComposeSources))
	}
	b, err := w.read(ref.path)
	switch {
	case err != nil && optional && errors.Is(err, fs.ErrNotExist):
		w.refs = w.refs[:len(w.refs)-1]
		return nil, false, nil
	case err != nil:
		return nil, false, ref.err(fmt.Sprintf("cannot read %s: %v", ref.path, readReason(err)))
	case len(b) > MaxSize:
		return nil, false, ref.err(fmt.Sprintf("%s is %d bytes; the limit is %d bytes (1 MiB)", ref.path, len(b), MaxSize))
	}
	w.files[ref.path] = b
	return b, true, nil
}

// err is an error at ref's key, naming its line.
func (ref sourceRef) err(rule string) *core.FieldError {
	fe := &core.FieldError{Field: where(ref.doc, ref.field), Rule: rule}
	if ref.node != nil {
		fe.Line = ref.node.Line
	}
	return fe
}

// readReason keeps what a read error says without the path it repeats.
func readReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// compose walks a compose file (the main one or an included one): its
// includes and every service.
func (w *sourceWalk) compose(doc string, root *yaml.Node, dir string, env map[string]string) error {
	if inc := get(root, "include"); inc != nil && inc.Kind == yaml.SequenceNode {
		for i, item := range inc.Content {
			if err := w.include(doc, follow(item), fmt.Sprintf("include[%d]", i), dir, env); err != nil {
				return err
			}
		}
	}
	for _, name := range mappingKeys(get(root, "services")) {
		if err := w.service(doc, root, name, dir, env); err != nil {
			return err
		}
	}
	return nil
}

// include follows one include entry, as compose's loader does: paths
// against dir, the first one's directory (or project_directory) as the
// included project's directory, env_file (or the .env there) read for its
// interpolation.
func (w *sourceWalk) include(doc string, item *yaml.Node, field, dir string, env map[string]string) error {
	var paths []*yaml.Node
	var pathFields []string
	var envFiles, projectDir *yaml.Node
	switch item.Kind {
	case yaml.ScalarNode:
		paths, pathFields = []*yaml.Node{item}, []string{field}
	case yaml.MappingNode:
		paths, pathFields = scalars(get(item, "path"), field+".path")
		envFiles, projectDir = get(item, "env_file"), get(item, "project_directory")
	}
	if len(paths) == 0 {
		return nil // the loader reports the shape
	}
	project := filepath.Dir(resolve(paths[0].Value, dir, env))
	if projectDir != nil && projectDir.Kind == yaml.ScalarNode {
		project = resolve(projectDir.Value, dir, env)
		// compose reads nothing here itself, but the directory decides where
		// the included file's own paths point: the daemon rewrites it too.
		w.refs = append(w.refs, sourceRef{node: projectDir, doc: doc, field: field + ".project_directory", path: project, loader: true})
	}
	incEnv := map[string]string{}
	maps.Copy(incEnv, env)
	nodes, fields := scalars(envFiles, field+".env_file")
	optional := false
	if len(nodes) == 0 {
		// the .env in the included project's directory, when there is one
		nodes, fields, optional = []*yaml.Node{nil}, []string{field}, true
	}
	for i, n := range nodes {
		var p string
		if n == nil {
			p = filepath.Join(project, ".env")
		} else {
			if n.Value == "/dev/null" {
				continue
			}
			p = resolve(n.Value, dir, env)
		}
		b, ok, err := w.load(sourceRef{node: n, doc: doc, field: fields[i], path: p, loader: true}, optional)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		vals, err := dotenv.UnmarshalBytesWithLookup(b, func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		})
		if err != nil {
			return sourceRef{node: n, doc: doc, field: fields[i]}.err(fmt.Sprintf("%s is not a valid env file%s", p, envLine(err)))
		}
		maps.Copy(incEnv, vals)
	}
	for i, n := range paths {
		p := resolve(n.Value, dir, env)
		b, _, err := w.load(sourceRef{node: n, doc: doc, field: pathFields[i], path: p, loader: true}, false)
		if err != nil {
			return err
		}
		if w.seen["include|"+p] {
			continue // compose reports a cycle
		}
		w.seen["include|"+p] = true
		if t := parseTree(b); t != nil {
			w.trees[p] = t
			if err := w.compose(p, t, project, incEnv); err != nil {
				return err
			}
		}
	}
	return nil
}

// service follows a service's env_file, label_file and extends: an extended
// file's paths are against its own directory, and only the chain of
// services the extends names is followed, as compose reads no more of it.
func (w *sourceWalk) service(doc string, root *yaml.Node, name, dir string, env map[string]string) error {
	key := "service|" + doc + "|" + name
	if w.seen[key] {
		return nil
	}
	w.seen[key] = true
	s := get(get(root, "services"), name)
	if s == nil || s.Kind != yaml.MappingNode {
		return nil
	}
	base := "services." + name
	for _, k := range []string{"env_file", "label_file"} {
		v := get(s, k)
		var items []*yaml.Node
		switch {
		case v == nil:
		case v.Kind == yaml.ScalarNode:
			items = []*yaml.Node{v}
		case v.Kind == yaml.SequenceNode:
			items = v.Content
		}
		for i, it := range items {
			it = follow(it)
			if it == nil {
				continue
			}
			field := fmt.Sprintf("%s.%s[%d]", base, k, i)
			if v.Kind == yaml.ScalarNode {
				field = base + "." + k
			}
			n, required := it, true
			if it.Kind == yaml.MappingNode {
				n = get(it, "path")
				if r := get(it, "required"); r != nil && r.Value == "false" {
					required = false
				}
				field += ".path"
			}
			if n == nil || n.Kind != yaml.ScalarNode {
				continue // the loader reports the shape
			}
			p := resolve(n.Value, dir, env)
			if _, _, err := w.load(sourceRef{node: n, doc: doc, field: field, path: p}, !required); err != nil {
				return err
			}
		}
	}
	ext := get(s, "extends")
	if ext == nil {
		return nil
	}
	ref := ext.Value
	file := get(ext, "file")
	if ext.Kind == yaml.MappingNode {
		if r := get(ext, "service"); r != nil {
			ref = r.Value
		}
	}
	if file == nil || file.Kind != yaml.ScalarNode {
		return w.service(doc, root, ref, dir, env) // in the same file
	}
	p := resolve(file.Value, dir, env)
	b, _, err := w.load(sourceRef{node: file, doc: doc, field: base + ".extends.file", path: p, loader: true}, false)
	if err != nil {
		return err
	}
	t, ok := w.trees[p]
	if !ok {
		if t = parseTree(b); t == nil {
			return nil // the loader reports it, naming the file
		}
		w.trees[p] = t
	}
	return w.service(p, t, ref, filepath.Dir(p), env)
}

// envLineRE finds the line an env file parser error names.
var envLineRE = regexp.MustCompile(`\bline (\d+):`)

// envLine is the line an env file parser error names, never the rest of
// its message, which may quote the file.
func envLine(err error) string {
	if m := envLineRE.FindStringSubmatch(err.Error()); m != nil {
		return " (line " + m[1] + ")"
	}
	return ""
}
