package secrets

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// Redact returns v's value for display: core.Redacted when it is secret.
func Redact(v core.EnvVar) string {
	if v.Secret {
		return core.Redacted
	}
	return v.Value
}

// RedactEnv returns a copy of env with every secret value replaced by
// core.Redacted.
func RedactEnv(env map[string]core.EnvVar) map[string]core.EnvVar {
	if env == nil {
		return nil
	}
	out := make(map[string]core.EnvVar, len(env))
	for k, v := range env {
		out[k] = core.EnvVar{Value: Redact(v), Secret: v.Secret}
	}
	return out
}

// RedactFile returns f with its content replaced by core.Redacted when it is
// sensitive.
func RedactFile(f core.ConfigFile) core.ConfigFile {
	if f.Sensitive {
		f.Content = core.Redacted
	}
	return f
}

// RedactFiles returns a copy of files with sensitive contents redacted.
func RedactFiles(files []core.ConfigFile) []core.ConfigFile {
	if files == nil {
		return nil
	}
	out := make([]core.ConfigFile, len(files))
	for i, f := range files {
		out[i] = RedactFile(f)
	}
	return out
}

// RedactService returns a copy of s with secret env values and sensitive
// file contents redacted.
func RedactService(s core.Service) core.Service {
	s.Env = RedactEnv(s.Env)
	s.Files = RedactFiles(s.Files)
	return s
}

// RedactDesired returns a copy of d with every service redacted.
func RedactDesired(d core.Desired) core.Desired {
	if d.Services != nil {
		svcs := make([]core.WiredService, len(d.Services))
		for i, s := range d.Services {
			s.Service = RedactService(s.Service)
			svcs[i] = s
		}
		d.Services = svcs
	}
	return d
}

// RedactTemplate returns a copy of t with secrets redacted.
func RedactTemplate(t core.Template) core.Template {
	t.Env = RedactEnv(t.Env)
	t.Files = RedactFiles(t.Files)
	return t
}

// RedactOverrides returns a copy of o with secrets redacted.
func RedactOverrides(o core.Overrides) core.Overrides {
	o.Env = RedactEnv(o.Env)
	if o.Files != nil {
		files := make(map[string]core.ConfigFile, len(o.Files))
		for k, f := range o.Files {
			files[k] = RedactFile(f)
		}
		o.Files = files
	}
	return o
}

// RedactStack returns a copy of st with every instance's secret overrides
// redacted.
func RedactStack(st core.Stack) core.Stack {
	if st.Instances != nil {
		insts := make([]core.Instance, len(st.Instances))
		for i, in := range st.Instances {
			in.Overrides = RedactOverrides(in.Overrides)
			insts[i] = in
		}
		st.Instances = insts
	}
	return st
}

// SecretValues lists every secret env value and sensitive file content of d,
// non-empty and without duplicates, longest first, for Scrub.
func SecretValues(d core.Desired) []string {
	set := map[string]bool{}
	for _, s := range d.Services {
		for _, v := range s.Env {
			if v.Secret && v.Value != "" && v.Value != core.Redacted {
				set[v.Value] = true
			}
		}
		for _, f := range s.Files {
			if f.Sensitive && f.Content != "" && f.Content != core.Redacted {
				for _, v := range fileSecrets(f.Content) {
					set[v] = true
				}
			}
		}
	}
	return sortLongestFirst(slices.Collect(maps.Keys(set)))
}

// minSecretLine is the shortest line of a sensitive file hidden on its own:
// shorter lines ("}", "[db]") carry no secret and would garble all output.
const minSecretLine = 4

// fileSecrets are the pieces of a sensitive file's content to hide: the
// content without its trailing newline, and each line of it, since output
// (logs, errors) is scrubbed line by line.
func fileSecrets(content string) []string {
	out := []string{strings.TrimRight(content, "\r\n")}
	for _, line := range strings.Split(content, "\n") {
		if line = strings.TrimSpace(line); len(line) >= minSecretLine {
			out = append(out, line)
		}
	}
	return out
}

func sortLongestFirst(vals []string) []string {
	slices.SortFunc(vals, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return vals
}

// Scrub replaces every occurrence of each secret in s with core.Redacted.
// Longer secrets are replaced first, so one that contains another is hidden
// whole; the order of secrets given does not matter.
func Scrub(s string, secrets []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	vals := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			vals = append(vals, v)
		}
	}
	for _, v := range sortLongestFirst(vals) {
		s = strings.ReplaceAll(s, v, core.Redacted)
	}
	return s
}

// ScrubKeeping is Scrub that leaves the names in keep intact: container,
// volume, network and image names are public, and a secret that happens to
// be a common word ("postgres") must neither garble them nor, by garbling a
// well-known name, reveal itself.
func ScrubKeeping(s string, secrets, keep []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	// Secrets found in no kept name go first, whole: one that contains a
	// name (a URL naming a container) is hidden entirely.
	var inNames, others []string
	for _, v := range secrets {
		if slices.ContainsFunc(keep, func(k string) bool { return strings.Contains(k, v) }) {
			inNames = append(inNames, v)
		} else {
			others = append(others, v)
		}
	}
	s = Scrub(s, others)
	if len(inNames) == 0 {
		return s
	}
	var kept []string
	for _, k := range sortLongestFirst(slices.Clone(keep)) {
		if k == "" || !strings.Contains(s, k) {
			continue
		}
		// NUL never occurs in a stored value, so the marks cannot collide.
		s = strings.ReplaceAll(s, k, "\x00"+strconv.Itoa(len(kept))+"\x00")
		kept = append(kept, k)
	}
	s = Scrub(s, inNames)
	for i := len(kept) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, "\x00"+strconv.Itoa(i)+"\x00", kept[i])
	}
	return s
}

// PublicNames lists the names of d that runtime output prints and that are
// not secret: the project, network, container, volume and image names.
func PublicNames(d core.Desired) []string {
	project := core.ProjectName(d.Stack)
	set := map[string]bool{project: true, core.NetworkName(d.Stack): true}
	for _, s := range d.Services {
		set[core.ContainerName(d.Stack, s.Instance)] = true
		set[s.Image] = true
		for _, v := range s.Volumes {
			if core.IsNamedVolume(v.Source) {
				set[project+"_"+v.Source] = true
			}
		}
	}
	return slices.Collect(maps.Keys(set))
}
