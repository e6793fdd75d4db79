package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newKeyRotateCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate",
		Short: "Re-encrypt every record under a new key, in one transaction",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeyRotate(cmd.Context(), c)
		},
	}
}

func runKeyRotate(ctx context.Context, c *cli) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	res, err := cl.RotateKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Re-encrypted %d records under a new key.\n", res.Records)
	return nil
}
