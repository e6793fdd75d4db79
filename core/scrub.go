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
	return collectSecrets(ds, func(content string) []string { return []string{content} })
}

// OutputSecrets lists what Scrub hides in the output of the given states'
// containers and of the jobs that run them: every secret env value and,
// since output is read line by line, a sensitive file's content without
// its trailing newline and each of its lines long enough to carry a
// secret. Non-empty, without duplicates, longest first.
func OutputSecrets(ds ...*Desired) []string {
	return collectSecrets(ds, fileSecrets)
}

// collectSecrets gathers every secret env value of ds and, through
// ofFile, what a sensitive file's content gives; non-empty, never the
// Redacted placeholder, without duplicates, longest first.
func collectSecrets(ds []*Desired, ofFile func(content string) []string) []string {
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
					for _, v := range ofFile(f.Content) {
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

// Scrubber hides secrets, in every form SecretForms lists, in runtime
// output (container logs, compose output, runtime errors) and in values,
// leaving the public names it keeps intact. Build one per stream of output:
// the forms are computed once.
type Scrubber struct {
	others  []string // forms found in no kept name, longest first
	inNames []string // forms some kept name contains, longest first
	keep    []string // kept names, longest first
	// grams holds the first gram bytes of every form (gram is the
	// shortest form's length, at most 4): a string without any of them
	// contains no form, and Scrub returns it after one pass over it,
	// whatever the number of secrets.
	grams map[string]struct{}
	gram  int
}

// NewScrubber returns a Scrubber hiding secrets and keeping the names in
// keep: container, volume, network, image, stack, instance and template
// names are public, and a secret that happens to be a common word
// ("postgres") must neither garble them nor, by garbling a well-known name,
// reveal itself.
func NewScrubber(secrets, keep []string) *Scrubber {
	set := map[string]bool{}
	for _, v := range secrets {
		for _, f := range SecretForms(v) {
			set[f] = true
		}
	}
	sc := &Scrubber{}
	for _, k := range keep {
		if k != "" {
			sc.keep = append(sc.keep, k)
		}
	}
	sortLongestFirst(sc.keep)
	// Forms found in no kept name go first, whole: one that contains a
	// name (a URL naming a container) is hidden entirely.
	for _, f := range sortLongestFirst(slices.Collect(maps.Keys(set))) {
		if slices.ContainsFunc(sc.keep, func(k string) bool { return strings.Contains(k, f) }) {
			sc.inNames = append(sc.inNames, f)
		} else {
			sc.others = append(sc.others, f)
		}
	}
	sc.gram = 4
	for f := range set {
		sc.gram = min(sc.gram, len(f))
	}
	sc.grams = make(map[string]struct{}, len(set))
	for f := range set {
		sc.grams[f[:sc.gram]] = struct{}{}
	}
	return sc
}

// mayContain reports whether s may contain a form: whether some gram-byte
// window of s starts a form.
func (sc *Scrubber) mayContain(s string) bool {
	for i := 0; i+sc.gram <= len(s); i++ {
		if _, ok := sc.grams[s[i:i+sc.gram]]; ok {
			return true
		}
	}
	return false
}

// Scrub replaces every occurrence of each secret form in s with Redacted,
// longer forms first, so a secret that contains another is hidden whole.
func (sc *Scrubber) Scrub(s string) string {
	if sc == nil || s == "" || !sc.mayContain(s) {
		return s
	}
	s = replaceAll(s, sc.others)
	if len(sc.inNames) == 0 {
		return s
	}
	var kept []string
	for _, k := range sc.keep {
		if !strings.Contains(s, k) {
			continue
		}
		// NUL never occurs in a stored value, so the marks cannot collide.
		s = strings.ReplaceAll(s, k, "\x00"+strconv.Itoa(len(kept))+"\x00")
		kept = append(kept, k)
	}
	s = replaceAll(s, sc.inNames)
	for i := len(kept) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, "\x00"+strconv.Itoa(i)+"\x00", kept[i])
	}
	return s
}

// replaceAll replaces each of vals, in order, with Redacted.
func replaceAll(s string, vals []string) string {
	for _, v := range vals {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// Scrub replaces every occurrence of each secret in s, in every form
// SecretForms lists, with Redacted. Longer secrets are replaced first, so
// one that contains another is hidden whole; the order of secrets given
// does not matter.
func Scrub(s string, secrets []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	return NewScrubber(secrets, nil).Scrub(s)
}

// ScrubKeeping is Scrub that leaves the names in keep intact (see
// NewScrubber).
func ScrubKeeping(s string, secrets, keep []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	return NewScrubber(secrets, keep).Scrub(s)
}

// Names lists the stack, instance and template names of the given states:
// devarch's own names, never scrubbed.
func Names(ds ...*Desired) []string {
	set := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			continue
		}
		set[d.Stack] = true
		for _, s := range d.Services {
			set[s.Instance] = true
			set[s.Template] = true
		}
	}
	delete(set, "")
	return slices.Collect(maps.Keys(set))
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
