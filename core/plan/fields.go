package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// fieldDiff collects the field changes of one service. Values of free-text
// fields that contain a secret value are recorded as secret.
type fieldDiff struct {
	out     []FieldChange
	secrets []string
}

// add records field when old and new differ.
func (d *fieldDiff) add(field, old, new string) {
	if old == new {
		return
	}
	d.out = append(d.out, FieldChange{Field: field, Old: old, New: new})
}

// addText is add for free text that may carry a secret value.
func (d *fieldDiff) addText(field, old, new string) {
	if old == new {
		return
	}
	if core.ContainsSecret(old, d.secrets) || core.ContainsSecret(new, d.secrets) {
		d.addSecret(field, old != "", new != "")
		return
	}
	d.add(field, old, new)
}

// addSecret records a change of a secret value without the value.
func (d *fieldDiff) addSecret(field string, hadOld, hasNew bool) {
	fc := FieldChange{Field: field, Secret: true}
	if hadOld {
		fc.Old = core.Redacted
	}
	if hasNew {
		fc.New = core.Redacted
	}
	d.out = append(d.out, fc)
}

// diffServices lists what changes from old to new, in a fixed field order.
// nets are the stack's joined networks before and after.
func diffServices(stack string, old, new *core.WiredService, oldNets, newNets []string, secrets []string) []FieldChange {
	d := &fieldDiff{secrets: secrets}
	d.add("template", old.Template, new.Template)
	d.add("image", old.Image, new.Image)
	diffBuild(d, old.Build, new.Build)
	d.addText("command", formatList(old.Command), formatList(new.Command))
	d.addText("entrypoint", formatList(old.Entrypoint), formatList(new.Entrypoint))
	d.add("user", old.User, new.User)
	d.add("restart", old.Restart, new.Restart)
	diffEnv(d, old.Env, new.Env)
	for _, k := range unionKeys(old.Labels, new.Labels) {
		o, okO := old.Labels[k]
		n, okN := new.Labels[k]
		d.addText("labels."+k, quoteIf(o, okO), quoteIf(n, okN))
	}
	d.add("ports", FormatPorts(old.Ports), FormatPorts(new.Ports))
	d.add("volumes", formatVolumes(old.Volumes), formatVolumes(new.Volumes))
	d.addText("healthcheck", formatHealthcheck(old.Healthcheck), formatHealthcheck(new.Healthcheck))
	diffFiles(d, old.Files, new.Files)
	d.add("depends_on", formatDeps(old.DependsOn), formatDeps(new.DependsOn))
	d.add("networks", formatNetworks(stack, oldNets), formatNetworks(stack, newNets))
	d.add("aliases", strings.Join(old.Aliases, ", "), strings.Join(new.Aliases, ", "))
	d.add("domains", strings.Join(old.Domains, ", "), strings.Join(new.Domains, ", "))
	d.add("compose", formatFragment(old.Compose), formatFragment(new.Compose))
	d.add("replicas", formatReplicas(old.Replicas), formatReplicas(new.Replicas))
	return d.out
}

// diffBuild records a build added or removed as "build" and a changed one
// field by field: build.context, build.dockerfile, build.target and each
// build.args.KEY.
func diffBuild(d *fieldDiff, old, new *core.ImageBuild) {
	switch {
	case old == nil && new == nil:
		return
	case old == nil || new == nil:
		d.add("build", formatBuild(old), formatBuild(new))
		return
	}
	d.add("build.context", old.Context, new.Context)
	d.add("build.dockerfile", old.Dockerfile, new.Dockerfile)
	d.add("build.target", old.Target, new.Target)
	for _, k := range unionKeys(old.Args, new.Args) {
		o, okO := old.Args[k]
		n, okN := new.Args[k]
		d.addText("build.args."+k, quoteIf(o, okO), quoteIf(n, okN))
	}
}

func formatBuild(b *core.ImageBuild) string {
	if b == nil {
		return ""
	}
	s := b.Context
	if b.Dockerfile != "" {
		s += " (dockerfile " + b.Dockerfile + ")"
	}
	if b.Target != "" {
		s += " (target " + b.Target + ")"
	}
	return s
}

func diffEnv(d *fieldDiff, old, new map[string]core.EnvVar) {
	for _, k := range unionKeys(old, new) {
		o, okO := old[k]
		n, okN := new[k]
		if okO == okN && o == n {
			continue
		}
		if o.Secret || n.Secret {
			d.addSecret("env."+k, okO, okN)
			continue
		}
		d.addText("env."+k, quoteIf(o.Value, okO), quoteIf(n.Value, okN))
	}
}

func diffFiles(d *fieldDiff, old, new []core.ConfigFile) {
	byTarget := func(fs []core.ConfigFile) map[string]core.ConfigFile {
		m := make(map[string]core.ConfigFile, len(fs))
		for _, f := range fs {
			m[f.Target] = f
		}
		return m
	}
	om, nm := byTarget(old), byTarget(new)
	for _, t := range unionKeys(om, nm) {
		o, okO := om[t]
		n, okN := nm[t]
		if okO == okN && o == n {
			continue
		}
		if o.Sensitive || n.Sensitive {
			d.addSecret("files."+t, okO, okN)
			continue
		}
		var ov, nv string
		if okO {
			ov = formatFile(o)
		}
		if okN {
			nv = formatFile(n)
		}
		d.add("files."+t, ov, nv)
	}
}

// FormatPort writes p as compose does: [HOST_IP:]HOST:CONTAINER[/PROTO],
// or CONTAINER[/PROTO] for a random host port. tcp is left implicit.
func FormatPort(p core.Port) string {
	var b strings.Builder
	if p.HostIP != "" {
		b.WriteString(p.HostIP)
		b.WriteByte(':')
	}
	if p.Host != 0 {
		b.WriteString(strconv.Itoa(p.Host))
		b.WriteByte(':')
	}
	b.WriteString(strconv.Itoa(p.Container))
	if p.Protocol != "" && p.Protocol != "tcp" {
		b.WriteByte('/')
		b.WriteString(p.Protocol)
	}
	return b.String()
}

// FormatPorts writes ports comma-separated, in their order.
func FormatPorts(ps []core.Port) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = FormatPort(p)
	}
	return strings.Join(out, ", ")
}

func formatVolumes(vs []core.Volume) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Source + ":" + v.Target
		if v.ReadOnly {
			out[i] += ":ro"
		}
	}
	return strings.Join(out, ", ")
}

func formatList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func formatHealthcheck(h *core.Healthcheck) string {
	if h == nil {
		return ""
	}
	s := strings.Join(h.Test, " ")
	var opts []string
	for _, o := range []struct{ name, val string }{
		{"interval", h.Interval.String()},
		{"timeout", h.Timeout.String()},
		{"start_period", h.StartPeriod.String()},
	} {
		if o.val != "" {
			opts = append(opts, o.name+" "+o.val)
		}
	}
	if h.Retries != 0 {
		opts = append(opts, "retries "+strconv.Itoa(h.Retries))
	}
	if len(opts) > 0 {
		s += " (" + strings.Join(opts, ", ") + ")"
	}
	return s
}

func formatFile(f core.ConfigFile) string {
	mode := f.Mode
	if mode == 0 {
		mode = 0o644
	}
	return fmt.Sprintf("sha256:%s, mode %04o", shortHash(f.Content), mode)
}

func formatDeps(ds []core.Dependency) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Instance
		var notes []string
		switch d.ComposeCondition() {
		case core.ConditionHealthy:
			notes = append(notes, "healthy")
		case core.ConditionCompleted:
			notes = append(notes, "completed")
		}
		if d.Restart {
			notes = append(notes, "restart")
		}
		if d.Optional {
			notes = append(notes, "optional")
		}
		if len(notes) > 0 {
			out[i] += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return strings.Join(out, ", ")
}

// formatNetworks lists the networks a service of stack joins.
func formatNetworks(stack string, joined []string) string {
	nets := []string{core.NetworkName(stack)}
	for _, j := range joined {
		nets = append(nets, core.NetworkName(j))
	}
	return strings.Join(nets, ", ")
}

func formatFragment(s string) string {
	if s == "" {
		return ""
	}
	return "fragment sha256:" + shortHash(s)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func quoteIf(s string, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.Quote(s)
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// formatReplicas shows a replicas value; unset (one container) is empty.
func formatReplicas(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
