package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

// ANSI styles used when color is on.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
)

// sensitive is what a secret field change prints instead of its values.
const sensitive = "(sensitive value)"

// painter applies ANSI styles when enabled.
type painter bool

func (c painter) paint(style, s string) string {
	if !c || s == "" {
		return s
	}
	return style + s + ansiReset
}

func actionStyle(a plan.Action) string {
	switch a {
	case plan.Create:
		return ansiGreen
	case plan.Update:
		return ansiYellow
	case plan.Delete:
		return ansiRed
	case plan.Replace:
		return ansiMagenta
	}
	return ""
}

// Plan prints p like Terraform does: one line per instance change with its
// field changes below, then network, wiring and warnings, then a summary.
// Secret field values print as "(sensitive value)", whatever p holds.
func Plan(w io.Writer, p plan.View, color bool) error {
	c := painter(color)
	var b strings.Builder
	if p.Empty() {
		if p.Destroy {
			fmt.Fprintf(&b, "No changes. Stack %q has nothing to destroy.\n", p.Stack)
		} else {
			fmt.Fprintf(&b, "No changes. Stack %q matches the configuration.\n", p.Stack)
		}
		writeStopped(&b, p.Stopped)
		if len(p.Warnings) > 0 {
			b.WriteString("\n")
			writeWarnings(&b, c, p.Warnings)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}

	verb := "perform the following actions on"
	if p.Destroy {
		verb = "destroy"
	}
	fmt.Fprintf(&b, "devarch will %s stack %q", verb, p.Stack)
	if p.Runtime != "" {
		fmt.Fprintf(&b, " (runtime: %s)", p.Runtime)
	}
	b.WriteString(":\n")
	if len(p.Targets) > 0 {
		fmt.Fprintf(&b, "Targeted to %s", strings.Join(p.Targets, ", "))
		for _, in := range p.Included {
			fmt.Fprintf(&b, ", %s (needed by %s, not running yet)", in.Instance, in.For)
		}
		b.WriteString("; the rest of the stack is left as it is.\n")
	}

	if len(p.Changes) > 0 {
		b.WriteString("\n")
		for _, rc := range p.Changes {
			writeChange(&b, c, rc)
		}
	}

	var extra strings.Builder
	if p.Network != plan.NoOp {
		fmt.Fprintf(&extra, "Network: %s %s\n", c.paint(actionStyle(p.Network), string(p.Network)), core.NetworkName(p.Stack))
	}
	if len(p.Wires) > 0 {
		extra.WriteString("Wiring:\n")
		for _, wr := range p.Wires {
			how := "explicit"
			if wr.Auto {
				how = "auto"
			}
			fmt.Fprintf(&extra, "  %s.%s -> %s (%s, %s)\n", wr.Consumer, wr.Import, wr.Provider, wr.Type, how)
		}
	}
	writeStopped(&extra, p.Stopped)
	if len(p.Starts) > 0 {
		fmt.Fprintf(&extra, "Starts: %s (stopped by `devarch stop`; this apply starts %s)\n",
			strings.Join(p.Starts, ", "), plural(len(p.Starts), "it", "them"))
	}
	writeWarnings(&extra, c, p.Warnings)
	if extra.Len() > 0 {
		b.WriteString("\n")
		b.WriteString(extra.String())
	}

	s := p.Summary
	fmt.Fprintf(&b, "\n%s %d to create, %d to update, %d to replace, %d to delete.\n",
		c.paint(ansiBold, "Plan:"), s.Create, s.Update, s.Replace, s.Delete)
	if n := privilegedChanges(p.Changes); n > 0 {
		fmt.Fprintf(&b, "%s %d %s grant%s privileges beyond an ordinary container's (see \"grants\" above): apply needs --allow-privileged or your confirmation.\n",
			c.paint(ansiYellow, "!"), n, plural(n, "change", "changes"), plural(n, "s", ""))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeChange prints one instance's line and its field lines.
func writeChange(b *strings.Builder, c painter, rc plan.ResourceChange) {
	word := rc.Word()
	head := c.paint(actionStyle(rc.Action), string(rc.Action)+" "+word)
	fmt.Fprintf(b, "  %s%s %s", head, strings.Repeat(" ", max(0, 7-len(word))), rc.Container)
	if rc.Reason != "" {
		fmt.Fprintf(b, " (%s)", rc.Reason)
	}
	b.WriteString("\n")
	if len(rc.Privileges) > 0 {
		fmt.Fprintf(b, "      %s grants: %s\n", c.paint(ansiYellow, "!"), strings.Join(rc.Privileges, ", "))
	}
	for _, f := range rc.Fields {
		fmt.Fprintf(b, "      %s: %s\n", f.Field, fieldValue(f))
	}
}

// fieldValue formats a field change as "old → new"; secrets never show.
func fieldValue(f plan.FieldChange) string {
	if f.Secret || f.Old == core.Redacted || f.New == core.Redacted {
		return sensitive
	}
	return orNone(f.Old) + " → " + orNone(f.New)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// writeStopped names the instances apply leaves stopped.
func writeStopped(b *strings.Builder, stopped []string) {
	if len(stopped) == 0 {
		return
	}
	fmt.Fprintf(b, "Stopped: %s (apply leaves %s stopped; `devarch start` or `apply --start` starts %s)\n",
		strings.Join(stopped, ", "), plural(len(stopped), "it", "them"), plural(len(stopped), "it", "them"))
}

func writeWarnings(b *strings.Builder, c painter, ws []string) {
	if len(ws) == 0 {
		return
	}
	b.WriteString("Warnings:\n")
	for _, w := range ws {
		fmt.Fprintf(b, "  %s %s\n", c.paint(ansiYellow, "!"), w)
	}
}

// privilegedChanges counts the changes that grant privileges.
func privilegedChanges(cs []plan.ResourceChange) int {
	n := 0
	for _, c := range cs {
		if len(c.Privileges) > 0 {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
