// Package render prints devarch's plans, tables and errors for humans.
package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/devarch-dev/devarch/core"
)

// Hinter is an error that knows what the user can do about it.
type Hinter interface {
	Hint() string
}

// JSON writes v as indented JSON followed by a newline. HTML characters
// are left as they are.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// Table writes headers and rows as aligned columns. An empty cell prints
// as "-" so columns stay readable.
func Table(w io.Writer, headers []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	line := func(cells []string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			if c == "" {
				c = "-"
			}
			out[i] = strings.ReplaceAll(c, "\t", " ")
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
	if len(headers) > 0 {
		line(headers)
	}
	for _, r := range rows {
		line(r)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// Error prints err as "devarch: error: MSG", then one "devarch: hint: ..."
// line per line of its hint when err (or an error it wraps) is a Hinter.
// An error made of several problems (a *core.DiagnosticsError, or
// core.FieldErrors) prints one line per problem, each with its own hint.
func Error(w io.Writer, err error) error {
	if err == nil {
		return nil
	}
	var b strings.Builder
	msg := err.Error()
	if ctx, items, ok := problems(err); ok {
		if ctx != "" {
			fmt.Fprintf(&b, "devarch: error: %s\n", ctx)
		}
		writeDiagnostics(&b, items)
	} else {
		fmt.Fprintf(&b, "devarch: error: %s\n", msg)
	}
	var h Hinter
	if errors.As(err, &h) {
		writeHints(&b, h.Hint())
	}
	_, werr := io.WriteString(w, b.String())
	return werr
}

// problems splits err into the context it was wrapped in and its
// individual problems, when its message ends with their joined form.
func problems(err error) (ctx string, items []core.Diagnostic, ok bool) {
	var inner string
	var de *core.DiagnosticsError
	if errors.As(err, &de) && len(de.Diagnostics) > 0 {
		inner, items = de.Error(), de.Diagnostics
	} else if fes := core.AsFieldErrors(err); len(fes) > 1 || (len(fes) == 1 && fes[0].Hint != "") {
		inner = fes.Error()
		for _, fe := range fes {
			items = append(items, core.Diagnostic{Severity: core.SeverityError, Message: fe.Error(), Hint: fe.Hint})
		}
	} else {
		return "", nil, false
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, inner) {
		return "", nil, false
	}
	return strings.TrimSuffix(strings.TrimSuffix(msg, inner), ": "), items, true
}

// Diagnostics prints each diagnostic as "devarch: SEVERITY: MSG" followed
// by its hint, if any.
func Diagnostics(w io.Writer, ds []core.Diagnostic) error {
	var b strings.Builder
	writeDiagnostics(&b, ds)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnostics(b *strings.Builder, ds []core.Diagnostic) {
	for _, d := range ds {
		sev := d.Severity
		if sev == "" {
			sev = core.SeverityError
		}
		fmt.Fprintf(b, "devarch: %s: %s\n", sev, d.Error())
		writeHints(b, d.Hint)
	}
}

func writeHints(b *strings.Builder, hint string) {
	for _, line := range strings.Split(hint, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(b, "devarch: hint: %s\n", line)
		}
	}
}
