package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
)

func newTemplateLsCommand(c *cli) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List templates",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplateLs(cmd.Context(), c, opts)
		},
	}
	opts.bind(cmd, "template names")
	return cmd
}

func runTemplateLs(ctx context.Context, c *cli, opts listOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	tpls, err := cl.Templates(ctx)
	if err != nil {
		return err
	}
	return printList(c, opts, list[core.Template]{
		items:   tpls,
		id:      func(t core.Template) string { return t.Name },
		headers: []string{"NAME", "IMAGE", "SOURCE", "EXPORTS", "IMPORTS", "DESCRIPTION"},
		row:     templateRow,
	})
}

func templateRow(t core.Template) []string {
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
	return []string{t.Name, t.Image, source, strings.Join(exps, ","), strings.Join(imps, ","), t.Description}
}
