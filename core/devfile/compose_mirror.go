package devfile

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// errNotSent is why the daemon has no file the compose file names: it
// reads only what the CLI sent.
type errNotSent struct{}

func (errNotSent) Error() string        { return "the CLI did not send it" }
func (errNotSent) Is(target error) bool { return target == fs.ErrNotExist }

// sentReader reads only the files of sources, never the disk.
func sentReader(sources map[string]string) ReadFunc {
	return func(p string) ([]byte, error) {
		if c, ok := sources[p]; ok {
			return []byte(c), nil
		}
		return nil, errNotSent{}
	}
}

// mirror is a private directory holding the files the CLI sent (the compose
// file, and the files it includes or extends) at their absolute paths under
// it, each path that names one rewritten to point into it: compose's loader
// reads these files by path, and finds nothing else there.
type mirror struct {
	root    string
	workdir string // the compose file's directory inside root
	data    []byte // the compose file as the loader reads it
}

// newMirror writes w's files under a new 0700 directory, rewriting each
// reference (include, extends.file, env_file, ...) to its copy; remove()
// deletes it. Without include or extends.file no mirror is needed: it
// returns nil.
func newMirror(w *sourceWalk, data []byte, workdir string) (*mirror, error) {
	needed := false
	for _, r := range w.refs {
		needed = needed || r.loader
	}
	if !needed {
		return nil, nil
	}
	root, err := os.MkdirTemp("", "devarch-compose-")
	if err != nil {
		return nil, fmt.Errorf("make a directory for the files the compose file names: %w", err)
	}
	m := &mirror{root: root, workdir: filepath.Join(root, workdir), data: data}
	rewritten := map[string]bool{}
	for _, r := range w.refs {
		if r.node == nil {
			continue
		}
		// escaped: the loader interpolates the value again
		r.node.Value = strings.ReplaceAll(filepath.Join(root, r.path), "$", "$$")
		r.node.Tag, r.node.Style = "!!str", yaml.DoubleQuotedStyle
		rewritten[r.doc] = true
	}
	write := func(p string, b []byte) error {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	}
	for p, b := range w.files {
		if t, ok := w.trees[p]; ok && rewritten[p] {
			if b, err = yaml.Marshal(t); err != nil {
				m.remove()
				return nil, fmt.Errorf("rewrite %s: %w", p, err)
			}
		}
		if err := write(p, b); err != nil {
			m.remove()
			return nil, fmt.Errorf("copy a file the compose file names: %w", err)
		}
	}
	if err := os.MkdirAll(m.workdir, 0o700); err != nil {
		m.remove()
		return nil, fmt.Errorf("make a directory for the files the compose file names: %w", err)
	}
	if rewritten[""] {
		if m.data, err = yaml.Marshal(w.trees[""]); err != nil {
			m.remove()
			return nil, fmt.Errorf("rewrite the compose file: %w", err)
		}
	}
	return m, nil
}

func (m *mirror) remove() { _ = os.RemoveAll(m.root) }

// sentOnly is the first resource loader compose's loader asks: it takes
// every include or extends path outside the mirror (all of them when there
// is none) and refuses it, so the loader never opens a file the CLI did not
// send, even one the walk missed.
type sentOnly struct{ m *mirror }

func (l sentOnly) Accept(p string) bool {
	return l.m == nil || !filepath.IsAbs(p) || !strings.HasPrefix(p, l.m.root+string(filepath.Separator))
}

func (l sentOnly) Load(context.Context, string) (string, error) {
	return "", errNotSent{}
}

func (l sentOnly) Dir(p string) string { return filepath.Dir(p) }

// strip turns a path of the mirror back into the one the CLI read.
func (m *mirror) strip(s string) string {
	if m == nil || !strings.Contains(s, m.root) {
		return s
	}
	return strings.ReplaceAll(s, m.root, "")
}

// strippedError keeps err (for errors.As) but says it with the CLI's paths.
type strippedError struct {
	err error
	m   *mirror
}

func (e strippedError) Error() string { return e.m.strip(e.err.Error()) }
func (e strippedError) Unwrap() error { return e.err }

// wrap says err with the CLI's paths; a nil mirror leaves it as it is.
func (m *mirror) wrap(err error) error {
	if m == nil {
		return err
	}
	return strippedError{err: err, m: m}
}

// stripAll rewrites, in place, every string v holds (struct fields, map
// keys and values, slice elements) that names a path of the mirror.
func (m *mirror) stripAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			e := reflect.New(v.Elem().Type()).Elem()
			e.Set(v.Elem())
			m.stripAll(e)
			if v.CanSet() {
				v.Set(e)
			}
			return
		}
		m.stripAll(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				m.stripAll(f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			m.stripAll(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			m.stripAll(e)
			nk := k
			if k.Kind() == reflect.String && strings.Contains(k.String(), m.root) {
				nk = reflect.New(k.Type()).Elem()
				nk.SetString(m.strip(k.String()))
				v.SetMapIndex(k, reflect.Value{})
			}
			v.SetMapIndex(nk, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(m.strip(v.String()))
		}
	}
}

// lineErr is a field error at the line of field, or of the nearest key
// above it the compose file itself holds.
func lineErr(lines *lineIndex, field, rule string) *core.FieldError {
	return &core.FieldError{Field: field, Line: lines.line(field), Rule: rule}
}

// resolveEnvFiles does what compose's loader does with env_file and
// label_file, from the files the CLI sent: env_file values first, the
// service's environment winning, a file with required: false that is not
// there skipped. A file the CLI did not send is an error naming the key.
func resolveEnvFiles(p *types.Project, sources map[string]string, lines *lineIndex) error {
	var errs core.FieldErrors
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		s.Environment = s.Environment.Resolve(p.Environment.Resolve)
		env := s.Environment.ToMapping()
		for i, f := range s.EnvFiles {
			field := fmt.Sprintf("services.%s.env_file[%d]", name, i)
			content, ok := sources[f.Path]
			if !ok {
				if f.Required {
					errs = append(errs, lineErr(lines, field, fmt.Sprintf("%s was not read: %v; the CLI reads the files a compose file names and sends them", f.Path, errNotSent{})))
				}
				continue
			}
			err := dotenv.ParseWithFormat(strings.NewReader(content), f.Path, env, func(k string) (string, bool) {
				if v, ok := p.Environment.Resolve(k); ok {
					return v, true
				}
				if v, ok := s.Environment[k]; ok && v != nil {
					return *v, true
				}
				return "", false
			}, f.Format)
			if err != nil {
				errs = append(errs, lineErr(lines, field, fmt.Sprintf("%s is not a valid env file%s", f.Path, envLine(err))))
			}
		}
		s.Environment = env.ToMappingWithEquals().OverrideBy(s.Environment)

		labels := types.MappingWithEquals{}
		for i, f := range s.LabelFiles {
			field := fmt.Sprintf("services.%s.label_file[%d]", name, i)
			content, ok := sources[f]
			if !ok {
				errs = append(errs, lineErr(lines, field, fmt.Sprintf("%s was not read: %v; the CLI reads the files a compose file names and sends them", f, errNotSent{})))
				continue
			}
			vars := types.Mapping{}
			err := dotenv.ParseWithFormat(strings.NewReader(content), f, vars, func(k string) (string, bool) {
				if v, ok := labels[k]; ok && v != nil {
					return *v, true
				}
				return "", false
			}, "")
			if err != nil {
				errs = append(errs, lineErr(lines, field, fmt.Sprintf("%s is not a valid label file%s", f, envLine(err))))
			}
			labels.OverrideBy(vars.ToMappingWithEquals())
		}
		if labels = labels.OverrideBy(s.Labels.ToMappingWithEquals()); len(labels) > 0 {
			s.Labels = types.NewLabelsFromMappingWithEquals(labels)
		}
		p.Services[name] = s
	}
	return errs.Err()
}
