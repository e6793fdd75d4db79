package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/daemon/api"
)

func init() { extraCommands = append(extraCommands, newExportCommand) }

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
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	file, err := cl.Export(ctx, stack, api.ExportRequest{Passphrase: pass, IncludeSecrets: opts.includeSecrets})
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
	if err := writeFileAtomic(opts.output, []byte(file.Content), mode); err != nil {
		return fmt.Errorf("write %s: %w", opts.output, err)
	}
	fmt.Fprintf(c.errOut, "exported stack %q to %s\n", stack, opts.output)
	return nil
}

// passphrase reads the passphrase from FILE, else $DEVARCH_PASSPHRASE, else
// returns "". One trailing newline of the file is dropped.
func (c *cli) passphrase(file string) (string, error) {
	if file == "" {
		return c.getenv("DEVARCH_PASSPHRASE"), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", withHint(fmt.Errorf("--passphrase-file: %w", err), "give a file holding the passphrase on its first line")
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if p == "" {
		return "", withHint(fmt.Errorf("--passphrase-file %s: the file is empty", file), "write the passphrase into it")
	}
	return p, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readInput reads FILE, or stdin for "-", refusing files larger than the
// devarch.yml limit before reading them whole.
func (c *cli) readInput(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = c.in
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, devfile.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > devfile.MaxSize {
		return nil, withHint(fmt.Errorf("%s: file: is larger than the limit of %d bytes (1 MiB)", path, devfile.MaxSize),
			"a devarch.yml describes a stack; it should be far smaller")
	}
	// JSON would turn bytes that are not UTF-8 into U+FFFD on the way to
	// the daemon, silently changing values; YAML is UTF-8 text.
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%s: file: is not valid UTF-8 text; YAML files must be UTF-8", path)
	}
	return b, nil
}
