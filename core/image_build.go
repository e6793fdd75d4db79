package core

import (
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// ImageBuild makes an instance run an image built from a directory instead of a
// prebuilt one. It is replaced as a whole by an override. Context is an
// absolute directory in the store (devarch.yml holds it relative to the
// file's directory); Dockerfile is relative to Context unless absolute
// (default "Dockerfile"). Image is the name the build tags and the instance
// runs; empty means DefaultBuildImage.
type ImageBuild struct {
	Context    string    `json:"context" yaml:"context"`
	Dockerfile string    `json:"dockerfile,omitempty" yaml:"dockerfile,omitempty"`
	Target     string    `json:"target,omitempty" yaml:"target,omitempty"`
	Args       BuildArgs `json:"args,omitempty" yaml:"args,omitempty"`
	Image      string    `json:"image,omitempty" yaml:"image,omitempty"`
}

// DefaultBuildImage is the image a build without build.image tags:
// devarch-{stack}-{instance}:latest, a local name no registry serves.
func DefaultBuildImage(stack, instance string) string {
	return ContainerName(stack, instance) + ":latest"
}

// Clone returns a copy of b that shares no memory with it.
func (b *ImageBuild) Clone() *ImageBuild {
	if b == nil {
		return nil
	}
	c := *b
	c.Args = maps.Clone(b.Args)
	return &c
}

// DockerfilePath is the Dockerfile b builds with, as an absolute path when
// the context is absolute.
func (b ImageBuild) DockerfilePath() string {
	df := b.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	if filepath.IsAbs(df) {
		return filepath.Clean(df)
	}
	return filepath.Join(b.Context, df)
}

type plainBuild ImageBuild

const buildForms = `must be a context directory like "./app", or a mapping with context, dockerfile, target, args and image`

// UnmarshalYAML reads compose's short form (the context directory) or the
// mapping form.
func (b *ImageBuild) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		*b = ImageBuild{Context: n.Value}
		return nil
	case n.Kind == yaml.MappingNode:
		if err := CheckYAMLKeys(n, reflect.TypeFor[ImageBuild]()); err != nil {
			return err
		}
		var out plainBuild
		if err := n.Decode(&out); err != nil {
			return err
		}
		*b = ImageBuild(out)
		return nil
	}
	return &FieldError{Rule: buildForms}
}

// BuildArgs are a build's arguments; YAML gives them as compose does, a
// mapping or a list of KEY=VALUE.
type BuildArgs map[string]string

// UnmarshalYAML reads the mapping or the KEY=VALUE list form.
func (a *BuildArgs) UnmarshalYAML(n *yaml.Node) error {
	m, err := buildArgs(n)
	if err != nil {
		return err
	}
	*a = m
	return nil
}

func buildArgs(n *yaml.Node) (map[string]string, error) {
	out := map[string]string{}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
				return nil, &FieldError{Field: "args." + k.Value, Line: v.Line, Rule: "must be a string value"}
			}
			out[k.Value] = v.Value
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			k, v, ok := strings.Cut(item.Value, "=")
			if item.Kind != yaml.ScalarNode || !ok {
				return nil, &FieldError{Field: fmt.Sprintf("args[%d]", i), Line: item.Line, Rule: "must be KEY=VALUE"}
			}
			out[k] = v
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		fallthrough
	default:
		return nil, &FieldError{Field: "args", Line: n.Line, Rule: "must be a mapping of KEY: VALUE or a list of KEY=VALUE"}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// MarshalYAML writes the short form when the build has only a context.
func (b ImageBuild) MarshalYAML() (any, error) {
	if b.Dockerfile == "" && b.Target == "" && len(b.Args) == 0 && b.Image == "" {
		return b.Context, nil
	}
	return plainBuild(b), nil
}

// buildProblems checks b; field is where it is stored ("templates.x.build").
func (c *checker) build(field string, b *ImageBuild) {
	if b == nil {
		return
	}
	switch {
	case b.Context == "":
		c.add(field+".context", "is required: the directory the image is built from")
	case TextProblem(b.Context) != "":
		c.add(field+".context", TextProblem(b.Context))
	case !filepath.IsAbs(b.Context):
		c.add(field+".context", fmt.Sprintf("%q is not an absolute path; a stored build context is absolute (devarch.yml resolves a relative one against its own directory)", b.Context))
	}
	if p := TextProblem(b.Dockerfile); p != "" {
		c.add(field+".dockerfile", p)
	}
	if b.Target != "" && !buildTargetRE().MatchString(b.Target) {
		c.add(field+".target", fmt.Sprintf("%q is not a build stage name (letters, digits, '_', '.', '-')", b.Target))
	}
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		switch {
		case k == "" || strings.ContainsAny(k, "= \t\n\x00"):
			c.add(field+".args", fmt.Sprintf("%q is not a build argument name: no '=', spaces or NUL", k))
		case TextProblem(b.Args[k]) != "":
			c.add(field+".args."+k, "value "+TextProblem(b.Args[k]))
		}
	}
	if b.Image != "" {
		if p := buildImageProblem(b.Image); p != "" {
			c.add(field+".image", p)
		}
	}
}

// buildImageProblem checks the name a build tags: [REGISTRY/]REPOSITORY[:TAG],
// a local name as docker build -t takes it.
func buildImageProblem(ref string) string {
	name, tag := ref, ""
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		name, tag = ref[:i], ref[i+1:]
		if !tagRE().MatchString(tag) {
			return fmt.Sprintf("image %q has an invalid tag %q: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'", ref, tag)
		}
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		if !registryRE().MatchString(parts[0]) {
			return fmt.Sprintf("image %q has an invalid registry host %q", ref, parts[0])
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if !repoPartRE().MatchString(p) {
			return fmt.Sprintf("image %q is not a valid image name: lowercase letters and digits separated by '.', '_', '__' or '-', in '/'-separated parts, then an optional :TAG", ref)
		}
	}
	return ""
}

// PathStat tells whether path exists and is a directory; the caller does
// the I/O (core does none).
type PathStat func(path string) (isDir bool, err error)

// CheckBuildPaths checks that b's context is an existing directory and its
// Dockerfile an existing file, through stat. field names the build
// ("instances.api.build"); errors name the path.
func CheckBuildPaths(field string, b ImageBuild, stat PathStat) error {
	c := &checker{}
	isDir, err := stat(b.Context)
	switch {
	case err != nil:
		c.add(field+".context", fmt.Sprintf("directory %s: %v", b.Context, err))
	case !isDir:
		c.add(field+".context", fmt.Sprintf("%s is not a directory", b.Context))
	default:
		df := b.DockerfilePath()
		isDir, err := stat(df)
		switch {
		case err != nil:
			c.add(field+".dockerfile", fmt.Sprintf("Dockerfile %s: %v", df, err))
		case isDir:
			c.add(field+".dockerfile", fmt.Sprintf("%s is a directory, not a Dockerfile", df))
		}
	}
	return c.errs.Err()
}

// RelativeBuild returns b with its context written relative to dir (with
// forward slashes, "./" first) when it lies under dir or near it, as
// devarch.yml stores it; b is returned unchanged when dir is empty or the
// context is not absolute.
func RelativeBuild(b *ImageBuild, dir string) *ImageBuild {
	if b == nil || dir == "" || !filepath.IsAbs(b.Context) {
		return b
	}
	rel, err := filepath.Rel(dir, b.Context)
	if err != nil {
		return b
	}
	out := b.Clone()
	rel = filepath.ToSlash(rel)
	if rel != "." && !strings.HasPrefix(rel, "../") && rel != ".." {
		rel = "./" + rel
	}
	out.Context = rel
	return out
}

// AbsoluteBuild returns b with a relative context (and a relative
// Dockerfile outside the context never needs it) resolved against dir.
// It reports false when the context is relative and dir is empty.
func AbsoluteBuild(b *ImageBuild, dir string) (*ImageBuild, bool) {
	if b == nil || b.Context == "" || filepath.IsAbs(b.Context) {
		return b, true
	}
	if dir == "" {
		return b, false
	}
	out := b.Clone()
	out.Context = filepath.Join(dir, filepath.FromSlash(b.Context))
	return out, true
}

// BuildDigest is the digest of one build's inputs: the context's files
// after .dockerignore, the Dockerfile, the arguments and the target. The
// daemon computes it (core does no I/O); the plan compares it with the one
// the applied snapshot recorded.
type BuildDigest struct {
	// Sum covers every input; equal sums build the same image.
	Sum string `json:"sum"`
	// Files maps each file the build sends (context-relative, with '/';
	// a Dockerfile outside the context by its absolute path) to a digest
	// of its content and mode, so a change can be counted in files.
	Files map[string]string `json:"files,omitempty"`
}

// ChangedFiles counts the files added, removed or changed from old to d.
func (d BuildDigest) ChangedFiles(old BuildDigest) int {
	n := 0
	for p, h := range d.Files {
		if old.Files[p] != h {
			n++
		}
	}
	for p := range old.Files {
		if _, ok := d.Files[p]; !ok {
			n++
		}
	}
	return n
}
