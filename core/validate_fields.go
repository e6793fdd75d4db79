package core

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// checker collects field errors for one input.
type checker struct{ errs FieldErrors }

func (c *checker) add(field, rule string) { c.errs = append(c.errs, Errf(field, rule)) }

const restartRule = "want no, always, on-failure[:N] or unless-stopped"

// restart checks a restart policy. A template may leave it empty (the
// runtime's default, no); an instance override may not: an empty override
// would silently drop the template's policy.
func (c *checker) restart(field, r string, override bool) {
	switch {
	case r == "" && override:
		c.add(field, "is empty; "+restartRule+" (to inherit the template's policy again, reset the override: instance reset STACK NAME restart)")
	case r != "" && !restartRE().MatchString(r):
		c.add(field, fmt.Sprintf("%q is not a restart policy: %s", r, restartRule))
	}
}

// ValidateRestart checks a restart policy override: one of no, always,
// on-failure[:N] or unless-stopped; empty is refused.
func ValidateRestart(field, r string) error {
	c := &checker{}
	c.restart(field, r, true)
	return c.errs.Err()
}

// userPartRE is one side of USER[:GROUP]: a name or a numeric id.
var userPartRE = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$`)

// user checks USER[:GROUP]; empty means the image's default user.
func (c *checker) user(field, u string) {
	if u == "" {
		return
	}
	name, group, hasGroup := strings.Cut(u, ":")
	if !userPartRE().MatchString(name) || hasGroup && !userPartRE().MatchString(group) {
		c.add(field, fmt.Sprintf("%q is not a user: want USER or USER:GROUP, each a name or a numeric id (letters, digits, '_', '.', '-'; no spaces or control characters)", u))
	}
}

// ValidateUser checks a user override: USER or USER:GROUP, names or numeric
// ids; empty means the image's default user.
func ValidateUser(field, u string) error {
	c := &checker{}
	c.user(field, u)
	return c.errs.Err()
}

// TextProblem returns why s cannot be stored and passed on as text, or "":
// it must be valid UTF-8 (JSON transport would turn other bytes into
// U+FFFD) and hold no NUL byte (the container runtime refuses it). The
// result never quotes s, which may be a secret.
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	}
	return ""
}

// FileContentProblem returns why a config file's content is refused, or
// "": it must be text of at most MaxFileContent bytes. It never quotes the
// content.
func FileContentProblem(content string) string {
	if p := TextProblem(content); p != "" {
		return "content " + p + "; config files are text (mount binary files with --volume)"
	}
	return sizeProblem("content", len(content), MaxFileContent)
}

func (c *checker) env(field string, env map[string]EnvVar) {
	for _, k := range sortedKeys(env) {
		if p := sizeProblem("name", len(k), MaxEnvKey); p != "" {
			c.add(field, p)
			continue
		}
		if !envKeyRE().MatchString(k) {
			c.add(field+"."+k, fmt.Sprintf("%q is not a valid environment variable name (^[A-Za-z_][A-Za-z0-9_.-]*$)", k))
			continue
		}
		if p := TextProblem(env[k].Value); p != "" {
			c.add(field+"."+k, "value "+p)
			continue
		}
		c.size(field+"."+k, "value", len(env[k].Value), MaxEnvValue)
	}
}

// args checks command, entrypoint and healthcheck arguments: text only.
func (c *checker) args(field string, args []string) {
	for i, a := range args {
		if p := TextProblem(a); p != "" {
			c.add(fmt.Sprintf("%s[%d]", field, i), "argument "+p)
			continue
		}
		c.size(fmt.Sprintf("%s[%d]", field, i), "argument", len(a), MaxArg)
	}
}

func (c *checker) envKeys(field string, keys []string) {
	for i, k := range keys {
		if !envKeyRE().MatchString(k) {
			c.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not a valid environment variable name (^[A-Za-z_][A-Za-z0-9_.-]*$)", k))
		}
	}
}

func (c *checker) labels(field string, labels map[string]string) {
	for _, k := range sortedKeys(labels) {
		switch {
		case strings.TrimSpace(k) == "":
			c.add(field, "a label key must not be empty")
		case len(k) > MaxLabelKey:
			c.add(field, sizeProblem("a label key", len(k), MaxLabelKey))
		case TextProblem(k) != "":
			c.add(field, fmt.Sprintf("label key %q %s", k, TextProblem(k)))
		case strings.HasPrefix(k, "devarch."):
			c.add(field+"."+k, fmt.Sprintf("label %q is reserved: devarch sets the devarch.* labels itself", k))
		default:
			if p := TextProblem(labels[k]); p != "" {
				c.add(field+"."+k, "value "+p)
				continue
			}
			c.size(field+"."+k, "value", len(labels[k]), MaxLabelValue)
		}
	}
}

// portProblem returns the rule p breaks, or "".
func portProblem(p Port) string {
	switch {
	case p.Container < 1 || p.Container > 65535:
		return fmt.Sprintf("container port %d is out of range 1-65535", p.Container)
	case p.Host < 0 || p.Host > 65535:
		return fmt.Sprintf("host port %d is out of range 1-65535 (or 0 for a random port)", p.Host)
	case p.Protocol != "" && p.Protocol != "tcp" && p.Protocol != "udp":
		return fmt.Sprintf("protocol %q is not tcp or udp", p.Protocol)
	case p.HostIP != "" && !validHostIP(p.HostIP):
		return fmt.Sprintf("host IP %q is not an IPv4 or IPv6 address", p.HostIP)
	}
	return ""
}

// validHostIP reports whether s is an IPv4 or IPv6 address without a zone.
func validHostIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// ports checks each port, that no container port/protocol is published twice
// on one host address, and that no two entries claim the same host socket.
func (c *checker) ports(field string, ports []Port) {
	for i, p := range ports {
		f := fmt.Sprintf("%s[%d]", field, i)
		if prob := portProblem(p); prob != "" {
			c.add(f, prob)
			continue
		}
		for j, q := range ports[:i] {
			if portProblem(q) != "" {
				continue
			}
			if q.Container == p.Container && protocol(q) == protocol(p) && sameHostIP(q.HostIP, p.HostIP) {
				c.add(f, fmt.Sprintf("container port %d/%s is already published by %s[%d]", p.Container, protocol(p), field, j))
				break
			}
			if portsOverlap(p, q) {
				c.add(f, fmt.Sprintf("host port %s is already published by %s[%d]", HostPortString(p), field, j))
				break
			}
		}
	}
}

// volumeProblem returns the rule v breaks, or "".
func volumeProblem(v Volume) string {
	if p := TextProblem(v.Source); p != "" {
		return "source " + p
	}
	if p := TextProblem(v.Target); p != "" {
		return "target " + p
	}
	switch {
	case v.Source == "":
		return "source is required: a named volume or an absolute host path"
	case strings.HasPrefix(v.Source, "/"):
		if path.Clean(v.Source) != v.Source {
			return fmt.Sprintf("source %q is not a clean path (want %q)", v.Source, path.Clean(v.Source))
		}
	case !volumeNameRE().MatchString(v.Source):
		return fmt.Sprintf("source %q is neither an absolute host path nor a volume name (^[a-zA-Z0-9][a-zA-Z0-9_.-]*$)", v.Source)
	}
	switch {
	case v.Target == "":
		return "target is required: an absolute path in the container"
	case !path.IsAbs(v.Target):
		return fmt.Sprintf("target %q must be an absolute path in the container", v.Target)
	case path.Clean(v.Target) != v.Target:
		return fmt.Sprintf("target %q is not a clean path (want %q)", v.Target, path.Clean(v.Target))
	case v.Target == "/":
		return "target must not be the container's root directory"
	}
	return ""
}

func (c *checker) volumes(field string, vols []Volume) {
	seen := map[string]int{}
	for i, v := range vols {
		f := fmt.Sprintf("%s[%d]", field, i)
		if prob := volumeProblem(v); prob != "" {
			c.add(f, prob)
			continue
		}
		if j, dup := seen[v.Target]; dup {
			c.add(f, fmt.Sprintf("target %q is already mounted by %s[%d]", v.Target, field, j))
		}
		seen[v.Target] = i
	}
}

func (c *checker) healthcheck(field string, h *Healthcheck) {
	if h == nil {
		return
	}
	if len(h.Test) == 0 {
		c.add(field+".test", `is required: ["CMD", "prog", "arg"...], ["CMD-SHELL", "command line"] or ["NONE"]`)
	} else {
		switch h.Test[0] {
		case "CMD", "CMD-SHELL":
			if len(h.Test) < 2 || strings.TrimSpace(h.Test[1]) == "" {
				c.add(field+".test", fmt.Sprintf("%s needs a command after it", h.Test[0]))
			}
		case "NONE":
			if len(h.Test) > 1 {
				c.add(field+".test", "NONE takes no arguments")
			}
		default:
			c.add(field+".test", fmt.Sprintf("first element %q must be CMD, CMD-SHELL or NONE", h.Test[0]))
		}
	}
	for _, d := range []struct {
		name string
		d    Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start_period", h.StartPeriod}} {
		if d.d < 0 {
			c.add(field+"."+d.name, fmt.Sprintf("duration %s must not be negative", d.d))
		}
	}
	c.args(field+".test", h.Test)
	if h.Retries < 0 {
		c.add(field+".retries", fmt.Sprintf("%d must not be negative", h.Retries))
	}
}

func (c *checker) file(field string, f ConfigFile) {
	switch {
	case TextProblem(f.Target) != "":
		c.add(field+".target", TextProblem(f.Target))
	case f.Target == "":
		c.add(field+".target", "is required: an absolute path in the container")
	case !path.IsAbs(f.Target):
		c.add(field+".target", fmt.Sprintf("%q must be an absolute path in the container", f.Target))
	case path.Clean(f.Target) != f.Target:
		c.add(field+".target", fmt.Sprintf("%q is not a clean path (want %q)", f.Target, path.Clean(f.Target)))
	case f.Target == "/":
		c.add(field+".target", "must not be the container's root directory")
	case targetSizeProblem(f.Target) != "":
		c.add(field+".target", targetSizeProblem(f.Target))
	}
	if f.Mode > 0o777 {
		c.add(field+".mode", fmt.Sprintf("%#o is not a file mode: at most 0777", f.Mode))
	}
	if p := FileContentProblem(f.Content); p != "" {
		c.add(field, p)
	}
}

// targetSizeProblem is the rule a clean, absolute config file target
// breaks by its length, or "": the file is written under the home's
// stacks/ directory, where a longer name cannot be created.
func targetSizeProblem(target string) string {
	if p := sizeProblem("the path", len(target), MaxFileTarget); p != "" {
		return p
	}
	for _, e := range strings.Split(target[1:], "/") {
		if len(e) > MaxPathElement {
			return fmt.Sprintf("the path element %.20q... is %d bytes; the limit is %d bytes", e, len(e), MaxPathElement)
		}
	}
	return ""
}

// fileNesting is the rule broken by config file target when other, another
// config file's target of the same container, is inside it or holds it
// (one path cannot be both a file and a directory), or "".
func fileNesting(target, other string) string {
	switch {
	case target == "" || other == "":
	case strings.HasPrefix(other, target+"/"):
		return fmt.Sprintf("holds %q, another config file's target: a file cannot contain another; move one of them", other)
	case strings.HasPrefix(target, other+"/"):
		return fmt.Sprintf("is inside %q, another config file's target: a file cannot contain another; move one of them", other)
	}
	return ""
}

// mountClash is the rule for a config file and a volume mounted at the
// same container path: at run time one of the two would silently win.
func mountClash(target, other string) string {
	return fmt.Sprintf("target %q is also mounted by %s: one mount per container path; drop the volume or the config file", target, other)
}

func (c *checker) domains(field string, domains []string) {
	seen := map[string]bool{}
	for i, d := range domains {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !validDomain(d) {
			c.add(f, fmt.Sprintf("%q is not a DNS name: dot-separated labels of lowercase letters, digits and '-', at most 253 characters", d))
			continue
		}
		if seen[d] {
			c.add(f, fmt.Sprintf("duplicate domain %q", d))
		}
		seen[d] = true
	}
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !domainLabelRE().MatchString(l) {
			return false
		}
	}
	return true
}

// exports checks each export. When checkPorts is set and the service lists
// ports, an export's port must be one of their container ports. Env
// templates must parse and render against env.
func (c *checker) exports(field string, exps []Export, ports []Port, env map[string]EnvVar, checkPorts bool) {
	var valid []Port
	for _, p := range ports {
		if portProblem(p) == "" {
			valid = append(valid, p)
		}
	}
	ports = valid
	seen := map[string]int{}
	values := make(map[string]string, len(env))
	for k, v := range env {
		values[k] = v.Value
	}
	for i, e := range exps {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !contractRE().MatchString(e.Name) {
			c.add(f+".name", fmt.Sprintf("%q is not a contract name: 1-63 lowercase letters, digits, '-' and '_', starting and ending with a letter or digit", e.Name))
		} else if j, dup := seen[e.Name]; dup {
			c.add(f+".name", fmt.Sprintf("duplicate export name %q (also %s[%d])", e.Name, field, j))
		}
		seen[e.Name] = i
		if !e.Type.Valid() {
			c.add(f+".type", contractTypeRule(e.Type))
		}
		switch {
		case e.Port < 1 || e.Port > 65535:
			c.add(f+".port", fmt.Sprintf("port %d is out of range 1-65535", e.Port))
		case checkPorts && len(ports) > 0 && !slices.ContainsFunc(ports, func(p Port) bool { return p.Container == e.Port }):
			c.add(f+".port", fmt.Sprintf("port %d is not one of the container ports the template lists (%s)", e.Port, containerPorts(ports)))
		}
		for _, k := range sortedKeys(e.Env) {
			if p := sizeProblem("name", len(k), MaxEnvKey); p != "" {
				c.add(f+".env", p)
				continue
			}
			if !envKeyRE().MatchString(k) {
				c.add(f+".env."+k, fmt.Sprintf("%q is not a valid environment variable name (^[A-Za-z_][A-Za-z0-9_.-]*$)", k))
				continue
			}
			if p := TextProblem(e.Env[k]); p != "" {
				c.add(f+".env."+k, "value "+p)
				continue
			}
			if prob := exportEnvProblem(e.Env[k], ExportData{
				Host: ContainerName("stack", "instance"), Port: e.Port, Instance: "instance", Stack: "stack", Env: values,
			}); prob != "" {
				c.add(f+".env."+k, prob)
			}
		}
	}
}

func containerPorts(ports []Port) string {
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = fmt.Sprint(p.Container)
	}
	return strings.Join(out, ", ")
}

func (c *checker) imports(field string, imps []Import) {
	seen := map[string]int{}
	for i, im := range imps {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !contractRE().MatchString(im.Name) {
			c.add(f+".name", fmt.Sprintf("%q is not a contract name: 1-63 lowercase letters, digits, '-' and '_', starting and ending with a letter or digit", im.Name))
		} else if j, dup := seen[im.Name]; dup {
			c.add(f+".name", fmt.Sprintf("duplicate import name %q (also %s[%d])", im.Name, field, j))
		}
		seen[im.Name] = i
		if !im.Type.Valid() {
			c.add(f+".type", contractTypeRule(im.Type))
		}
		if im.Prefix != "" && !prefixRE().MatchString(im.Prefix) {
			c.add(f+".prefix", fmt.Sprintf("%q is not an env prefix: uppercase letters, digits and '_', not starting with a digit (^[A-Z_][A-Z0-9_]*$)", im.Prefix))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
