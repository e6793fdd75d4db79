package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/internal/fsutil"
)

type exportOptions struct {
	output         string
	passphraseFile string
	includeSecrets bool
}

func newExportCommand(c *cli) *cobra.Command {
	var opts exportOptions
	cmd := &cobra.Command{
		Use:   "export STACK",
		Short: "Write the stack as a versioned devarch.yml",
		Long: `Write the stack as a versioned devarch.yml: the stack, its instances with their
overrides (not effective values), its wires and the user templates it uses.
The output is sorted and stable, so it diffs well in version control.

Secrets are written as [REDACTED] unless --passphrase-file (or
$DEVARCH_PASSPHRASE) seals them with argon2id + AES-256-GCM, or
--include-secrets writes them in plaintext.`,
		Args: exactArgs("STACK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), c, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.output, "output", "o", "", "write to FILE instead of stdout")
	f.StringVar(&opts.passphraseFile, "passphrase-file", "", "seal secrets with the passphrase in FILE ($DEVARCH_PASSPHRASE)")
	f.BoolVar(&opts.includeSecrets, "include-secrets", false, "write secrets in plaintext")
	return cmd
}

func runExport(ctx context.Context, c *cli, stack string, opts exportOptions) error {
	pass, err := c.passphrase(opts.passphraseFile)
	if err != nil {
		return err
	}
	if pass != "" && opts.includeSecrets {
		return withHint(fmt.Errorf("--include-secrets and a passphrase exclude each other"),
			"seal secrets with --passphrase-file, or write them in plaintext with --include-secrets, not both")
	}
	// Build contexts are written relative to the file's directory.
	dir, err := c.fileDir(opts.output)
	if err != nil {
		return err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	file, err := cl.Export(ctx, stack, api.ExportRequest{Passphrase: pass, IncludeSecrets: opts.includeSecrets, Dir: dir})
	if err != nil {
		return err
	}
	if opts.output == "" || opts.output == "-" {
		_, err := io.WriteString(c.out, file.Content)
		return err
	}
	// A file holding secrets, sealed or not, is private to its owner.
	mode := os.FileMode(0o644)
	if pass != "" || opts.includeSecrets {
		mode = 0o600
	}
	if err := fsutil.WriteFile(opts.output, []byte(file.Content), mode); err != nil {
		return fmt.Errorf("write %s: %w", opts.output, err)
	}
	fmt.Fprintf(c.errOut, "Exported stack %q to %s\n", stack, opts.output)
	return nil
}
