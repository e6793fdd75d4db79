package main

import "github.com/spf13/cobra"

func newTemplateCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "template",
		Aliases: []string{"templates"},
		Short:   "Manage service templates",
	}
	cmd.AddCommand(newTemplateLsCommand(c), newTemplateShowCommand(c), newTemplateAddCommand(c), newTemplateRmCommand(c))
	return cmd
}
