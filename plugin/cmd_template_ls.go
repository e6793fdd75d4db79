package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/render"
)

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
		return render.JSON(c.out, nonNil(tpls))
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
	return render.Table(c.out, []string{"NAME", "IMAGE", "SOURCE", "EXPORTS", "IMPORTS", "DESCRIPTION"}, rows)
}
