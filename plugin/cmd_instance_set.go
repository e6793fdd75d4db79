package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-shellwords"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// instanceSetOptions are the flags of `instance set`.
type instanceSetOptions struct {
	image, tag, user, restart string
	command, entrypoint       []string
	env, secretEnv, unsetEnv  []string
	ports                     []string
	noPorts                   bool
	volumes                   []string
	noVolumes                 bool
	labels                    []string
	hcCmd, hcExec             string
	hcInterval, hcTimeout     string
	hcStartPeriod             string
	hcRetries                 int
	noHealthcheck             bool
	files                     []string
	sensitive                 bool
	domains                   []string
	noDomains                 bool
	enable, disable           bool
	composeFile               string
	keepExports               bool
}

func newInstanceSetCommand(c *cli) *cobra.Command {
	var opts instanceSetOptions
	cmd := &cobra.Command{
		Use:   "set STACK NAME [flags]",
		Short: "Override an instance's fields (copy-on-write over its template)",
		Args:  exactArgs("STACK", "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := opts.request(cmd.Flags().Changed, c.in)
			if err != nil {
				return err
			}
			if opts.keepExports {
				if req.Exports, err = templateExports(cmd.Context(), c, args[0], args[1]); err != nil {
					return err
				}
			}
			return runInstanceSet(cmd.Context(), c, args[0], args[1], req)
		},
	}
	opts.bindFlags(cmd.Flags())
	return cmd
}

// bindFlags defines the flags of `instance set` on f.
func (o *instanceSetOptions) bindFlags(f *pflag.FlagSet) {
	f.StringVar(&o.image, "image", "", "image (fully qualified, e.g. docker.io/library/postgres:16)")
	f.StringVar(&o.tag, "tag", "", "replace the tag of the image")
	f.StringArrayVar(&o.command, "command", nil, "command: one shell-quoted string, or repeat for one argument each; '' clears the image's command (compose command: []); `instance reset STACK NAME command` inherits the template's again")
	f.StringArrayVar(&o.entrypoint, "entrypoint", nil, "entrypoint: one shell-quoted string, or repeat for one argument each; '' clears the image's entrypoint (compose entrypoint: []); `instance reset STACK NAME entrypoint` inherits the template's again")
	f.StringVar(&o.user, "user", "", "user[:group] to run as, names or numeric ids (e.g. 1000:1000); '' runs as the image's user")
	f.StringVar(&o.restart, "restart", "", "restart policy: no, always, on-failure[:N], unless-stopped")
	f.StringArrayVar(&o.env, "env", nil, "set an environment variable KEY=VALUE (repeat)")
	f.StringArrayVar(&o.secretEnv, "secret-env", nil, "set a secret environment variable KEY=VALUE; VALUE - reads it from stdin (repeat)")
	f.StringArrayVar(&o.unsetEnv, "unset-env", nil, "remove an environment variable, also one the template sets (repeat)")
	f.StringArrayVar(&o.ports, "port", nil, "publish [IP:]HOST:CONTAINER[/proto]; replaces the list (repeat)")
	f.BoolVar(&o.noPorts, "no-ports", false, "publish no ports")
	f.StringArrayVar(&o.volumes, "volume", nil, "mount SOURCE:TARGET[:ro]; replaces the list (repeat)")
	f.BoolVar(&o.noVolumes, "no-volumes", false, "mount no volumes")
	f.StringArrayVar(&o.labels, "label", nil, "set a container label KEY=VALUE (repeat)")
	f.StringVar(&o.hcCmd, "healthcheck-cmd", "", "healthcheck command, run by the container's shell (CMD-SHELL)")
	f.StringVar(&o.hcExec, "healthcheck-exec", "", "healthcheck command run without a shell (CMD), shell-quoted: for images with no shell")
	f.StringVar(&o.hcInterval, "healthcheck-interval", "", "time between healthchecks (e.g. 5s)")
	f.StringVar(&o.hcTimeout, "healthcheck-timeout", "", "time a healthcheck may take")
	f.StringVar(&o.hcStartPeriod, "healthcheck-start-period", "", "grace period before failures count")
	f.IntVar(&o.hcRetries, "healthcheck-retries", 0, "failures before unhealthy")
	f.BoolVar(&o.noHealthcheck, "no-healthcheck", false, "run without a healthcheck")
	f.StringArrayVar(&o.files, "file", nil, "config file TARGET=@LOCALPATH, mounted read-only at TARGET (repeat)")
	f.BoolVar(&o.sensitive, "sensitive", false, "the contents of every --file of this command are secret (written 0600, never printed)")
	f.StringArrayVar(&o.domains, "domain", nil, "domain name for the instance; replaces the list (repeat)")
	f.BoolVar(&o.noDomains, "no-domains", false, "no domain names")
	f.BoolVar(&o.enable, "enable", false, "enable the instance")
	f.BoolVar(&o.disable, "disable", false, "disable the instance (left out of the compose project)")
	f.StringVar(&o.composeFile, "compose-file", "", "compose service fragment (YAML) applied last; - reads stdin, empty clears it")
	f.BoolVar(&o.keepExports, "keep-exports", false, "the instance's image speaks its template's contracts: keep the template's exports (needed after --image names another repository)")
}

// templateExports returns a copy of the exports of the instance's template,
// to store as the instance's own (instance set --keep-exports).
func templateExports(ctx context.Context, c *cli, stack, name string) (*[]core.Export, error) {
	cl, err := c.Client(ctx)
	if err != nil {
		return nil, err
	}
	view, err := cl.Instance(ctx, stack, name, false)
	if err != nil {
		return nil, err
	}
	tpl, err := cl.Template(ctx, view.Instance.Template)
	if err != nil {
		return nil, err
	}
	exports := tpl.Clone().Exports
	if exports == nil {
		exports = []core.Export{}
	}
	return &exports, nil
}

func runInstanceSet(ctx context.Context, c *cli, stack, name string, req api.InstanceSetRequest) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	view, err := cl.SetInstance(ctx, stack, name, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Updated instance %s of stack %s.\n", view.Instance.Name, stack)
	return nil
}

// request builds the InstanceSetRequest: only flags that were given
// (changed reports which) become fields. stdin feeds --secret-env K=- and
// --compose-file -.
func (o *instanceSetOptions) request(changed func(string) bool, stdin io.Reader) (api.InstanceSetRequest, error) {
	var req api.InstanceSetRequest
	var errs core.FieldErrors
	stdinUsers := 0
	readStdin := func() (string, error) {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read stdin: %w", err)
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
	}

	for _, s := range []struct {
		flag string
		val  string
		dst  **string
	}{{"image", o.image, &req.Image}, {"tag", o.tag, &req.Tag}, {"user", o.user, &req.User}, {"restart", o.restart, &req.Restart}} {
		if changed(s.flag) {
			v := s.val
			*s.dst = &v
		}
	}
	if changed("user") {
		if err := core.ValidateUser("--user", o.user); err != nil {
			errs = append(errs, core.AsFieldErrors(err)...)
		}
	}
	if changed("restart") {
		if err := core.ValidateRestart("--restart", o.restart); err != nil {
			errs = append(errs, core.AsFieldErrors(err)...)
		}
	}
	for _, s := range []struct {
		flag string
		val  []string
		dst  **[]string
	}{{"command", o.command, &req.Command}, {"entrypoint", o.entrypoint, &req.Entrypoint}} {
		if !changed(s.flag) {
			continue
		}
		// Check the raw values: splitting would already turn bytes that are
		// not UTF-8 into U+FFFD.
		if fes := textValues("--"+s.flag, s.val); fes != nil {
			errs = append(errs, fes...)
			continue
		}
		argv, err := splitCommand(s.val)
		if err != nil {
			errs = append(errs, core.Errf("--"+s.flag, err.Error()))
			continue
		}
		*s.dst = &argv
	}

	env := map[string]core.EnvVar{}
	for _, kv := range o.env {
		k, v, err := core.ParseEnvAssign(kv)
		if err != nil {
			errs = append(errs, flagError("--env", err))
			continue
		}
		env[k] = core.EnvVar{Value: v}
	}
	for _, kv := range o.secretEnv {
		k, v, err := core.ParseEnvAssign(kv)
		if err != nil {
			errs = append(errs, flagError("--secret-env", err))
			continue
		}
		if _, dup := env[k]; dup {
			errs = append(errs, core.Errf("--secret-env", fmt.Sprintf("%s is also given with --env; set it once", k)))
			continue
		}
		if v == "-" {
			if stdinUsers++; stdinUsers > 1 {
				errs = append(errs, core.Errf("--secret-env", "only one value can be read from stdin"))
				continue
			}
			if v, err = readStdin(); err != nil {
				return req, err
			}
			if p := core.TextProblem(v); p != "" {
				errs = append(errs, core.Errf("--secret-env", fmt.Sprintf("%s: value read from stdin %s", k, p)))
				continue
			}
		}
		env[k] = core.EnvVar{Value: v, Secret: true}
	}
	if len(env) > 0 {
		req.Env = env
	}
	for _, k := range o.unsetEnv {
		if _, both := env[k]; both {
			errs = append(errs, core.Errf("--unset-env", fmt.Sprintf("%s is also set by this command; set or unset it, not both", k)))
			continue
		}
		if k == "" {
			errs = append(errs, core.Errf("--unset-env", "the key is empty"))
			continue
		}
		req.UnsetEnv = append(req.UnsetEnv, k)
	}
	for _, kv := range o.labels {
		k, v, err := core.ParseLabel(kv)
		if err != nil {
			errs = append(errs, flagError("--label", err))
			continue
		}
		if req.Labels == nil {
			req.Labels = map[string]string{}
		}
		req.Labels[k] = v
	}

	switch {
	case o.noPorts && len(o.ports) > 0:
		errs = append(errs, core.Errf("--no-ports", "cannot be combined with --port"))
	case o.noPorts:
		req.Ports = &[]core.Port{}
	case len(o.ports) > 0:
		ports := make([]core.Port, 0, len(o.ports))
		for _, s := range o.ports {
			p, err := core.ParsePort("--port", s)
			if err != nil {
				errs = append(errs, flagError("--port", err))
				continue
			}
			ports = append(ports, p)
		}
		req.Ports = &ports
	}
	switch {
	case o.noVolumes && len(o.volumes) > 0:
		errs = append(errs, core.Errf("--no-volumes", "cannot be combined with --volume"))
	case o.noVolumes:
		req.Volumes = &[]core.Volume{}
	case len(o.volumes) > 0:
		vols := make([]core.Volume, 0, len(o.volumes))
		for _, s := range o.volumes {
			v, err := core.ParseVolume("--volume", s)
			if err != nil {
				errs = append(errs, flagError("--volume", err))
				continue
			}
			vols = append(vols, v)
		}
		req.Volumes = &vols
	}
	switch {
	case o.noDomains && len(o.domains) > 0:
		errs = append(errs, core.Errf("--no-domains", "cannot be combined with --domain"))
	case o.noDomains:
		req.Domains = &[]string{}
	case len(o.domains) > 0:
		d := append([]string(nil), o.domains...)
		req.Domains = &d
	}

	hc, hcErrs := o.healthcheck(changed)
	errs = append(errs, hcErrs...)
	req.Healthcheck = hc

	if o.sensitive && len(o.files) == 0 {
		errs = append(errs, core.Errf("--sensitive", "applies to --file; give at least one --file"))
	}
	for _, s := range o.files {
		target, local, err := core.ParseFileAssign(s)
		if err != nil {
			errs = append(errs, flagError("--file", err))
			continue
		}
		content, err := os.ReadFile(local)
		if err != nil {
			errs = append(errs, core.Errf("--file", fmt.Sprintf("%q: cannot read %s: %v", s, local, unwrapPathError(err))))
			continue
		}
		if p := core.FileContentProblem(string(content)); p != "" {
			errs = append(errs, core.Errf("--file", fmt.Sprintf("%q: %s", s, p)))
			continue
		}
		if req.Files == nil {
			req.Files = map[string]core.ConfigFile{}
		}
		req.Files[target] = core.ConfigFile{Target: target, Content: string(content), Sensitive: o.sensitive}
	}

	switch {
	case o.enable && o.disable:
		errs = append(errs, core.Errf("--enable", "cannot be combined with --disable"))
	case o.enable:
		req.Enabled = ptr(true)
	case o.disable:
		req.Enabled = ptr(false)
	}

	if changed("compose-file") {
		var fragment string
		switch o.composeFile {
		case "":
		case "-":
			if stdinUsers++; stdinUsers > 1 {
				errs = append(errs, core.Errf("--compose-file", "only one value can be read from stdin"))
				break
			}
			v, err := readStdin()
			if err != nil {
				return req, err
			}
			fragment = v
		default:
			b, err := os.ReadFile(o.composeFile)
			if err != nil {
				errs = append(errs, core.Errf("--compose-file", fmt.Sprintf("cannot read %s: %v", o.composeFile, unwrapPathError(err))))
			}
			fragment = string(b)
		}
		if p := core.TextProblem(fragment); p != "" {
			errs = append(errs, core.Errf("--compose-file", "content "+p+"; a compose fragment is YAML text"))
		}
		req.Compose = &fragment
	}

	if err := errs.Err(); err != nil {
		return req, err
	}
	if isEmptySet(req) && !o.keepExports {
		return req, withHint(errors.New("nothing to change: give at least one flag"), "see `instance set --help` for the fields you can override")
	}
	return req, nil
}

// healthcheck builds the healthcheck patch from the --healthcheck-* flags.
func (o *instanceSetOptions) healthcheck(changed func(string) bool) (*api.HealthcheckPatch, core.FieldErrors) {
	var errs core.FieldErrors
	hcFlags := []string{"healthcheck-cmd", "healthcheck-exec", "healthcheck-interval", "healthcheck-timeout", "healthcheck-start-period", "healthcheck-retries"}
	anyHC := false
	for _, f := range hcFlags {
		anyHC = anyHC || changed(f)
	}
	if o.noHealthcheck {
		if anyHC {
			errs = append(errs, core.Errf("--no-healthcheck", "cannot be combined with --healthcheck-* flags"))
		}
		return &api.HealthcheckPatch{Disable: true}, errs
	}
	if !anyHC {
		return nil, nil
	}
	var p api.HealthcheckPatch
	if changed("healthcheck-cmd") && changed("healthcheck-exec") {
		errs = append(errs, core.Errf("--healthcheck-exec", "cannot be combined with --healthcheck-cmd: give the command once"))
	} else if changed("healthcheck-exec") {
		argv, err := shellwords.Parse(o.hcExec)
		switch {
		case core.TextProblem(o.hcExec) != "":
			errs = append(errs, core.Errf("--healthcheck-exec", "command "+core.TextProblem(o.hcExec)))
		case err != nil:
			errs = append(errs, core.Errf("--healthcheck-exec", "cannot split the command: "+err.Error()))
		case len(argv) == 0:
			errs = append(errs, core.Errf("--healthcheck-exec", "is empty; use --no-healthcheck to run without one"))
		default:
			test := append([]string{"CMD"}, argv...)
			p.Test = &test
		}
	}
	if changed("healthcheck-cmd") {
		if strings.TrimSpace(o.hcCmd) == "" {
			errs = append(errs, core.Errf("--healthcheck-cmd", "is empty; use --no-healthcheck to run without one"))
		} else if prob := core.TextProblem(o.hcCmd); prob != "" {
			errs = append(errs, core.Errf("--healthcheck-cmd", "command "+prob))
		} else {
			test := []string{"CMD-SHELL", o.hcCmd}
			p.Test = &test
		}
	}
	for _, d := range []struct {
		flag string
		val  string
		dst  **core.Duration
	}{
		{"healthcheck-interval", o.hcInterval, &p.Interval},
		{"healthcheck-timeout", o.hcTimeout, &p.Timeout},
		{"healthcheck-start-period", o.hcStartPeriod, &p.StartPeriod},
	} {
		if !changed(d.flag) {
			continue
		}
		v, err := core.ParseDuration(d.val)
		if err != nil {
			errs = append(errs, core.Errf("--"+d.flag, err.Error()))
			continue
		}
		*d.dst = &v
	}
	if changed("healthcheck-retries") {
		if o.hcRetries < 0 {
			errs = append(errs, core.Errf("--healthcheck-retries", "must not be negative"))
		} else {
			p.Retries = ptr(o.hcRetries)
		}
	}
	return &p, errs
}

// splitCommand turns --command values into argv: a single value is split
// like a shell would; repeated values are one argument each.
func splitCommand(vals []string) ([]string, error) {
	if len(vals) != 1 {
		return append([]string{}, vals...), nil
	}
	argv, err := shellwords.Parse(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%q: %v", vals[0], err)
	}
	if argv == nil {
		argv = []string{}
	}
	return argv, nil
}

// textValues refuses flag values that are not text (not valid UTF-8, or
// with a NUL byte): JSON would corrupt them on the way to the daemon, or the
// runtime would refuse them. Errors never quote the value.
func textValues(flag string, vals []string) core.FieldErrors {
	var fes core.FieldErrors
	for _, v := range vals {
		if p := core.TextProblem(v); p != "" {
			fes = append(fes, core.Errf(flag, "value "+p))
		}
	}
	return fes
}

// flagError names the flag in a parse error, keeping a FieldError's rule.
func flagError(flag string, err error) *core.FieldError {
	var fe *core.FieldError
	if errors.As(err, &fe) {
		if fe.Field == flag {
			return fe
		}
		return &core.FieldError{Field: flag, Rule: fe.Rule, Hint: fe.Hint}
	}
	return core.Errf(flag, err.Error())
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isEmptySet(r api.InstanceSetRequest) bool {
	return r.Image == nil && r.Tag == nil && r.Command == nil && r.Entrypoint == nil && r.User == nil &&
		r.Restart == nil && len(r.Env) == 0 && len(r.UnsetEnv) == 0 && len(r.Labels) == 0 && r.Ports == nil &&
		r.Volumes == nil && r.Healthcheck == nil && len(r.Files) == 0 && r.Domains == nil && r.Exports == nil &&
		r.Imports == nil && r.Compose == nil && r.Enabled == nil
}

func ptr[T any](v T) *T { return &v }
