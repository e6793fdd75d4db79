package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newTemplateCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "template",
		Aliases: []string{"templates"},
		Short:   "Manage service templates",
	}
	cmd.AddCommand(newTemplateLsCommand(c), newTemplateShowCommand(c), newTemplateAddCommand(c), newTemplateRmCommand(c))
	return cmd
}

type jsonOption struct{ json bool }

func (o *jsonOption) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
}

func newTemplateLsCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List templates",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateLs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runTemplateLs(ctx context.Context, c *cli, opts jsonOption) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	tpls, err := cl.Templates(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		render.JSON(c.out, nonNil(tpls))
		return nil
	}
	rows := make([][]string, 0, len(tpls))
	for _, t := range tpls {
		source := "user"
		if t.Builtin {
			source = "builtin"
		}
		var exps, imps []string
		for _, e := range t.Exports {
			exps = append(exps, e.Name+":"+string(e.Type))
		}
		for _, i := range t.Imports {
			imps = append(imps, i.Name+":"+string(i.Type))
		}
		rows = append(rows, []string{t.Name, t.Image, source, strings.Join(exps, ","), strings.Join(imps, ","), t.Description})
	}
	render.Table(c.out, []string{"NAME", "IMAGE", "SOURCE", "EXPORTS", "IMPORTS", "DESCRIPTION"}, rows)
	return nil
}

func newTemplateShowCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a template",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			t, err := cl.Template(ctx, args[0])
			if err != nil {
				return err
			}
			if opts.json {
				render.JSON(c.out, t)
				return nil
			}
			return writeYAML(c.out, t)
		},
	}
	opts.bind(cmd)
	return cmd
}

type templateAddOptions struct {
	file    string
	replace bool
}

func newTemplateAddCommand(c *cli) *cobra.Command {
	var opts templateAddOptions
	cmd := &cobra.Command{
		Use:   "add -f FILE",
		Short: "Add a user template from a YAML file (- reads stdin)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateAdd(cmd.Context(), c, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.file, "file", "f", "", "template YAML file, or - for stdin")
	cmd.Flags().BoolVar(&opts.replace, "replace", false, "replace a user template of the same name")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func runTemplateAdd(ctx context.Context, c *cli, opts templateAddOptions) error {
	data, err := readInput(c.in, opts.file)
	if err != nil {
		return err
	}
	t, err := core.DecodeTemplateYAML(data)
	if err != nil {
		return fmt.Errorf("template file %s: %w", opts.file, err)
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	added, err := cl.AddTemplate(ctx, api.TemplateAddRequest{Template: t, Replace: opts.replace})
	if err != nil {
		return err
	}
	verb := "Added"
	if opts.replace {
		verb = "Saved"
	}
	fmt.Fprintf(c.out, "%s template %s (%s).\n", verb, added.Name, added.Image)
	render.Diagnostics(c.errOut, added.Warnings)
	return nil
}

func newTemplateRmCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a user template",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := c.Client(ctx)
			if err != nil {
				return err
			}
			if err := cl.RemoveTemplate(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Removed template %s.\n", args[0])
			return nil
		},
	}
}

// readInput reads a file, or stdin for "-".
func readInput(in io.Reader, path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// writeYAML prints v as YAML.
func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode YAML: %w", err)
	}
	return enc.Close()
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
