package main

import (
	"github.com/spf13/cobra"
)

func newPullCommand(c *cli) *cobra.Command {
	var opts imagesOptions
	cmd := &cobra.Command{
		Use:   "pull STACK [INSTANCE...]",
		Short: "Pull the images of the stack's instances, without applying",
		Long: "pull pulls the image of every enabled instance that runs a prebuilt image (or of the " +
			"instances named). Each pull is bounded by --timeout: an unreachable registry is an error " +
			"naming the image. The containers keep running what they run: the next plan shows the " +
			"instances whose image moved replaced.",
		Args: rangeArgs(1, 1<<16, "STACK [INSTANCE...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImages(cmd.Context(), c, "pull", args[0], args[1:], opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 0, "bound of each image's pull (0: the daemon's default, 2m)")
	return cmd
}
