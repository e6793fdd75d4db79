package core

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// SecretValues lists every secret env value and sensitive file content of
// the given states (nil ones skipped), non-empty, never the Redacted
// placeholder, without duplicates and longest first: the values free text
// about those states must not show (plan field changes, reasons, warnings).
func SecretValues(ds ...*Desired) []string {
	set := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			continue
		}
		for _, s := range d.Services {
			for _, v := range s.Env {
				if v.Secret && v.Value != "" && v.Value != Redacted {
					set[v.Value] = true
				}
			}
			for _, f := range s.Files {
				if f.Sensitive && f.Content != "" && f.Content != Redacted {
					set[f.Content] = true
				}
			}
		}
	}
	return sortLongestFirst(slices.Collect(maps.Keys(set)))
}

// OutputSecrets lists what Scrub hides in the output of the given states'
// containers and of the jobs that run them: every secret env value and,
// since output is read line by line, a sensitive file's content without
// its trailing newline and each of its lines long enough to carry a
// secret. Non-empty, without duplicates, longest first.
func OutputSecrets(ds ...*Desired) []string {
	set := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			continue
		}
		for _, s := range d.Services {
			for _, v := range s.Env {
				if v.Secret && v.Value != "" && v.Value != Redacted {
					set[v.Value] = true
				}
			}
			for _, f := range s.Files {
				if f.Sensitive && f.Content != "" && f.Content != Redacted {
					for _, v := range fileSecrets(f.Content) {
						set[v] = true
					}
				}
			}
		}
	}
	return sortLongestFirst(slices.Collect(maps.Keys(set)))
}

// minSecretLine is the shortest line of a sensitive file hidden on its own:
// shorter lines ("}", "ok") carry no secret and would garble all output.
const minSecretLine = 4

// fileSecrets are the pieces of a sensitive file's content to hide: the
// content without its trailing newline, and each line of it.
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

// ContainsSecret reports whether s contains any of secrets.
func ContainsSecret(s string, secrets []string) bool {
	if s == "" {
		return false
	}
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// Scrub replaces every occurrence of each secret in s with Redacted.
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
		s = strings.ReplaceAll(s, v, Redacted)
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

// PublicNames lists the names of the given states that runtime output
// prints and that are not secret: the project, network, container, volume
// and image names.
func PublicNames(ds ...*Desired) []string {
	set := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			continue
		}
		project := ProjectName(d.Stack)
		set[project] = true
		set[NetworkName(d.Stack)] = true
		for _, s := range d.Services {
			set[ContainerName(d.Stack, s.Instance)] = true
			if s.Image != "" {
				set[s.Image] = true
			}
			for _, v := range s.Volumes {
				if IsNamedVolume(v.Source) {
					set[project+"_"+v.Source] = true
				}
			}
		}
	}
	return slices.Collect(maps.Keys(set))
}
