package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

type instanceAddOptions struct {
	template  string
	disabled  bool
	volumes   []string
	noVolumes bool
}

func newInstanceAddCommand(c *cli) *cobra.Command {
	var opts instanceAddOptions
	cmd := &cobra.Command{
		Use:   "add STACK NAME --template T",
		Short: "Add an instance of a template to a stack",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstanceAdd(cmd.Context(), c, args[0], args[1], opts)
		},
	}
	cmd.Flags().StringVarP(&opts.template, "template", "t", "", "template to instantiate")
	cmd.Flags().BoolVar(&opts.disabled, "disabled", false, "add the instance disabled (left out of the compose project)")
	cmd.Flags().StringArrayVar(&opts.volumes, "volume", nil, "mount SOURCE:TARGET[:ro] instead of the template's volumes (repeat)")
	cmd.Flags().BoolVar(&opts.noVolumes, "no-volumes", false, "mount none of the template's volumes")
	_ = cmd.MarkFlagRequired("template")
	return cmd
}

func runInstanceAdd(ctx context.Context, c *cli, stack, name string, opts instanceAddOptions) error {
	req := api.InstanceAddRequest{Name: name, Template: opts.template, Disabled: opts.disabled}
	switch {
	case opts.noVolumes && len(opts.volumes) > 0:
		return fieldErr("--no-volumes", "cannot be combined with --volume")
	case opts.noVolumes:
		req.Volumes = &[]core.Volume{}
	case len(opts.volumes) > 0:
		vols := make([]core.Volume, 0, len(opts.volumes))
		for _, v := range opts.volumes {
			vol, err := core.ParseVolume("--volume", v)
			if err != nil {
				return err
			}
			vols = append(vols, vol)
		}
		req.Volumes = &vols
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	in, err := cl.AddInstance(ctx, stack, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Added instance %s (template %s) to stack %s.\n", in.Name, in.Template, stack)
	return nil
}
