package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newKeyCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the store's encryption key",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Re-encrypt every record under a new key, in one transaction",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
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
		},
	})
	return cmd
}
