package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"text/tabwriter"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

// listOptions are the output flags of the commands that list things (ps,
// stack ls, instance ls, template ls, jobs): --json, -q and --format, as
// docker's own list commands have them.
type listOptions struct {
	json   bool
	quiet  bool
	format string
}

func (o *listOptions) bind(cmd *cobra.Command, quietWhat string) {
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print JSON")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print "+quietWhat+" only, one a line")
	f.StringVar(&o.format, "format", "", "format each item with a Go template ('{{.Name}}'); 'table TEMPLATE' adds a header, 'json' prints one JSON object a line")
}

// check refuses flags that exclude each other, and a bad template, before
// anything is asked.
func (o listOptions) check() error {
	var given []string
	for _, f := range []struct {
		name string
		on   bool
	}{{"--json", o.json}, {"--quiet", o.quiet}, {"--format", o.format != ""}} {
		if f.on {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		return withHint(fmt.Errorf("%s exclude each other", strings.Join(given, " and ")),
			"give one of --json, -q and --format")
	}
	if o.format != "" && o.format != "json" {
		if _, err := parseFormat(o.format); err != nil {
			return err
		}
	}
	return nil
}

// list is one command's listing: its items, how -q names one, and its
// table.
type list[T any] struct {
	items   []T
	id      func(T) string
	headers []string
	row     func(T) []string
}

// printList prints l as opts ask: the table, JSON, names only, or each
// item through a template.
func printList[T any](c *cli, opts listOptions, l list[T]) error {
	switch {
	case opts.json:
		return render.JSON(c.out, nonNil(l.items))
	case opts.quiet:
		for _, it := range l.items {
			fmt.Fprintln(c.out, l.id(it))
		}
		return nil
	case opts.format == "json":
		enc := json.NewEncoder(c.out)
		enc.SetEscapeHTML(false)
		for _, it := range l.items {
			if err := enc.Encode(it); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
		}
		return nil
	case opts.format != "":
		return printFormatted(c, opts.format, l.items)
	}
	rows := make([][]string, 0, len(l.items))
	for _, it := range l.items {
		rows = append(rows, l.row(it))
	}
	return render.Table(c.out, l.headers, rows)
}

// format is a parsed --format: its template and, for "table ...", the
// header line.
type format struct {
	tmpl   *template.Template
	table  bool
	header string
}

// formatFuncs are the template functions docker's --format offers that
// devarch's items need.
var formatFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// fieldRef matches {{.Field}} in a template, for the header of a table.
var fieldRef = regexp.MustCompile(`\{\{-?\s*\.(\w+)\s*-?\}\}`)

// parseFormat reads --format: a Go template applied to each item, with
// "table " in front for aligned columns under a header (each {{.Field}}
// headed FIELD). The escapes \t and \n may be written as such.
func parseFormat(s string) (format, error) {
	var f format
	if rest, ok := strings.CutPrefix(s, "table"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
		f.table = true
		s = strings.TrimLeft(rest, " \t")
		if s == "" {
			return f, fieldErr("--format", "\"table\" needs a template after it, like 'table {{.Name}}\\t{{.State}}'")
		}
	}
	s = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
	t, err := template.New("format").Funcs(formatFuncs).Option("missingkey=error").Parse(s)
	if err != nil {
		return f, withHint(fmt.Errorf("--format: %w", err), "give a Go template, like '{{.Name}}'")
	}
	f.tmpl = t
	if f.table {
		f.header = fieldRef.ReplaceAllStringFunc(s, func(m string) string {
			return headerName(fieldRef.FindStringSubmatch(m)[1])
		})
	}
	return f, nil
}

// headerName is a field's column header: ApplySerial becomes APPLY SERIAL.
func headerName(field string) string {
	var b strings.Builder
	for i, r := range field {
		if i > 0 && r >= 'A' && r <= 'Z' && !(field[i-1] >= 'A' && field[i-1] <= 'Z') {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// printFormatted prints each item through the --format template, one a
// line; a table's columns are aligned under its header.
func printFormatted[T any](c *cli, spec string, items []T) error {
	f, err := parseFormat(spec)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if f.table {
		buf.WriteString(f.header)
		buf.WriteByte('\n')
	}
	for _, it := range items {
		if err := f.tmpl.Execute(&buf, it); err != nil {
			return withHint(fmt.Errorf("--format: %w", err), "the fields are those of --json, in Go's spelling: {{.Name}}")
		}
		buf.WriteByte('\n')
	}
	if !f.table {
		_, err := c.out.Write(buf.Bytes())
		return err
	}
	tw := tabwriter.NewWriter(c.out, 0, 8, 2, ' ', 0)
	if _, err := tw.Write(buf.Bytes()); err != nil {
		return err
	}
	return tw.Flush()
}
