package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/daemon/api"
)

type importOptions struct {
	stack          string
	passphraseFile string
	setSecrets     []string
	planTTL        time.Duration
	json           bool
	// allowPrivileged consents to the privileges the definition grants.
	allowPrivileged bool
}

func newImportCommand(c *cli) *cobra.Command {
	var opts importOptions
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create or update a stack from a devarch.yml (- reads stdin)",
		Long: `Create or update a stack from a devarch.yml. The whole file is validated
before anything is written; errors name the YAML path and line.

A new stack is created at once. Over an existing stack the import becomes a
saved plan: review it, then run ` + "`apply STACK --plan ID`" + `.

Sealed secrets need the passphrase they were sealed with (--passphrase-file or
$DEVARCH_PASSPHRASE); redacted secrets need a value: --set-secret INSTANCE.KEY=VALUE.
A redacted secret of a template that already exists in this devarch (with the
same definition) keeps the value it has there and needs none.

So that a secret never appears on the command line (or in the shell history),
--set-secret KEY=- reads the value from stdin (one --set-secret at most, and
not when FILE is -), and --set-secret KEY=@PATH reads it from the file PATH,
for multi-line keys and certificates. One trailing newline is dropped from an
env value read this way; a config file's content (KEY
templates.NAME.files./TARGET or instances.NAME.files./TARGET) is taken exactly.
A value that starts with @ is always a file name: give such a value on stdin.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), c, args[0], opts)
		},
	}
	opts.bind(cmd.Flags())
	cmd.Flags().DurationVar(&opts.planTTL, "plan-ttl", 15*time.Minute, "lifetime of the plan made when importing over an existing stack")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the result as JSON")
	return cmd
}

// bind defines the flags import and up share.
func (o *importOptions) bind(f *pflag.FlagSet) {
	f.StringVar(&o.stack, "stack", "", "import under this stack name")
	f.StringVar(&o.passphraseFile, "passphrase-file", "", "open sealed secrets with the passphrase in FILE ($DEVARCH_PASSPHRASE)")
	f.StringArrayVar(&o.setSecrets, "set-secret", nil, "value of a redacted secret: INSTANCE.KEY=VALUE, KEY=- (stdin) or KEY=@PATH (file) (repeatable)")
	f.BoolVar(&o.allowPrivileged, "allow-privileged", false, "consent to the privileges the file's instances grant (see apply --allow-privileged)")
}

func runImport(ctx context.Context, c *cli, path string, opts importOptions) error {
	res, err := importFile(ctx, c, path, opts)
	if err != nil {
		return err
	}
	return c.printImport(res, opts.json)
}

// importFile sends the devarch.yml at path (- for stdin) to the daemon,
// which creates the stack or saves a plan over the existing one.
func importFile(ctx context.Context, c *cli, path string, opts importOptions) (api.ImportResult, error) {
	data, err := c.readInput(path)
	if err != nil {
		return api.ImportResult{}, err
	}
	pass, err := c.passphrase(opts.passphraseFile)
	if err != nil {
		return api.ImportResult{}, err
	}
	set, err := setSecrets(opts.setSecrets, c.in, path == "-")
	if err != nil {
		return api.ImportResult{}, err
	}
	spec, err := c.RuntimeSpec()
	if err != nil {
		return api.ImportResult{}, err
	}
	dir, err := c.fileDir(path)
	if err != nil {
		return api.ImportResult{}, err
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return api.ImportResult{}, err
	}
	return cl.Import(ctx, api.ImportRequest{
		Content: string(data), Filename: filepath.Base(path), Stack: opts.stack, Dir: dir,
		Passphrase: pass, SetSecrets: set, Runtime: spec, TTL: core.Duration(opts.planTTL),
		AllowPrivileged: opts.allowPrivileged,
	})
}

// setSecrets reads the --set-secret values: KEY=VALUE as given, KEY=- from
// stdin (once, and not when the file itself is read from stdin) and
// KEY=@PATH from a file. Env values read from stdin or a file lose one
// trailing newline; config file content (a KEY with ".files.") is exact.
// Errors name the key, never the value.
func setSecrets(list []string, stdin io.Reader, fileOnStdin bool) (map[string]string, error) {
	set := map[string]string{}
	stdinKey := ""
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, withHint(fmt.Errorf("--set-secret %q: must be INSTANCE.KEY=VALUE", redactSetSecret(kv)),
				"for example --set-secret db.POSTGRES_PASSWORD=s3cret, or db.POSTGRES_PASSWORD=- to read it from stdin")
		}
		if _, dup := set[k]; dup {
			return nil, fmt.Errorf("--set-secret %s: given twice; give it once", k)
		}
		exact := strings.Contains(k, ".files.")
		switch {
		case v == "-":
			switch {
			case fileOnStdin:
				return nil, withHint(fmt.Errorf("--set-secret %s=-: stdin already holds the file to import", k),
					"give the file by its path, or the secret with KEY=@PATH")
			case stdinKey != "":
				return nil, withHint(fmt.Errorf("--set-secret %s=-: only one value can be read from stdin (%s=- reads it already)", k, stdinKey),
					"read the others from files with KEY=@PATH")
			}
			stdinKey = k
			b, err := io.ReadAll(io.LimitReader(stdin, devfile.MaxSize+1))
			if err != nil {
				return nil, fmt.Errorf("--set-secret %s=-: read stdin: %w", k, err)
			}
			if len(b) > devfile.MaxSize {
				return nil, fmt.Errorf("--set-secret %s=-: the value on stdin is larger than %d bytes", k, devfile.MaxSize)
			}
			if v = secretText(b, exact); v == "" {
				return nil, withHint(fmt.Errorf("--set-secret %s=-: stdin is empty", k),
					"pipe the value in, or give it with KEY=@PATH")
			}
		case strings.HasPrefix(v, "@"):
			file := strings.TrimPrefix(v, "@")
			if file == "" {
				return nil, withHint(fmt.Errorf("--set-secret %s=@: names no file", k), "give KEY=@PATH")
			}
			b, err := readSmallFile(file)
			if err != nil {
				return nil, fmt.Errorf("--set-secret %s=@%s: %w", k, file, err)
			}
			v = secretText(b, exact)
		}
		if p := core.TextProblem(v); p != "" {
			return nil, fmt.Errorf("--set-secret %s: the value %s", k, p)
		}
		set[k] = v
	}
	return set, nil
}

// secretText is a value read from stdin or a file: exact for config file
// content, without one trailing newline for an env value.
func secretText(b []byte, exact bool) string {
	s := string(b)
	if !exact {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	return s
}

// redactSetSecret keeps a malformed --set-secret's value out of errors.
func redactSetSecret(kv string) string {
	if k, _, ok := strings.Cut(kv, "="); ok {
		return k + "=" + core.Redacted
	}
	if len(kv) > 0 {
		return core.Redacted
	}
	return kv
}
