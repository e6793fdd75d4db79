package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// request builds the instance update: only flags that were given
// (changed reports which) become fields, each named in its mask. stdin
// feeds --secret-env K=- and --compose-file -.
func (o *instanceSetOptions) request(changed func(string) bool, stdin io.Reader) (core.InstanceUpdate, error) {
	var req core.InstanceUpdate
	set := func(path string) { req.Mask = append(req.Mask, path) }
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
			set(s.flag)
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
	if changed("replicas") {
		if err := core.ValidateReplicas("--replicas", o.replicas); err != nil {
			errs = append(errs, core.AsFieldErrors(err)...)
		} else {
			n := o.replicas
			req.Replicas = &n
			set("replicas")
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
		set(s.flag)
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
			if v == "" {
				errs = append(errs, core.Errf("--secret-env", fmt.Sprintf("%s=-: stdin is empty; pipe the value in (printf %%s \"$VALUE\" | devarch instance set ...), or give an empty value as %s=", k, k)))
				continue
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
		set("env")
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
	if len(req.UnsetEnv) > 0 {
		set("unset_env")
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
	if req.Labels != nil {
		set("labels")
	}

	switch {
	case o.noPorts && len(o.ports) > 0:
		errs = append(errs, core.Errf("--no-ports", "cannot be combined with --port"))
	case o.noPorts:
		req.Ports = &[]core.Port{}
		set("ports")
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
		set("ports")
	}
	switch {
	case o.noVolumes && len(o.volumes) > 0:
		errs = append(errs, core.Errf("--no-volumes", "cannot be combined with --volume"))
	case o.noVolumes:
		req.Volumes = &[]core.Volume{}
		set("volumes")
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
		set("volumes")
	}
	switch {
	case o.noDomains && len(o.domains) > 0:
		errs = append(errs, core.Errf("--no-domains", "cannot be combined with --domain"))
	case o.noDomains:
		req.Domains = &[]string{}
		set("domains")
	case len(o.domains) > 0:
		d := append([]string(nil), o.domains...)
		req.Domains = &d
		set("domains")
	}

	hc, hcPaths, hcErrs := o.healthcheck(changed)
	errs = append(errs, hcErrs...)
	req.Healthcheck = hc
	req.Mask = append(req.Mask, hcPaths...)

	if o.sensitive && len(o.files) == 0 {
		errs = append(errs, core.Errf("--sensitive", "applies to --file; give at least one --file"))
	}
	if o.copyFiles && len(o.files) == 0 {
		errs = append(errs, core.Errf("--copy", "applies to --file; give at least one --file"))
	}
	for _, s := range o.files {
		target, local, err := core.ParseFileAssign(s)
		if err != nil {
			errs = append(errs, flagError("--file", err))
			continue
		}
		content, err := readSourceFile(local)
		if err != nil {
			errs = append(errs, core.Errf("--file", fmt.Sprintf("%q: cannot read %s: %v", s, local, err)))
			continue
		}
		// The file follows its source (the CLI reads it again at every
		// plan), unless --copy: then the content read now is all there is.
		var source string
		if !o.copyFiles {
			if source, err = filepath.Abs(local); err != nil {
				errs = append(errs, core.Errf("--file", fmt.Sprintf("%q: %v", s, err)))
				continue
			}
		}
		if p := core.FileContentProblem(string(content)); p != "" {
			errs = append(errs, core.Errf("--file", fmt.Sprintf("%q: %s", s, p)))
			continue
		}
		if req.Files == nil {
			req.Files = map[string]core.ConfigFile{}
		}
		req.Files[target] = core.ConfigFile{Target: target, Content: string(content), Sensitive: o.sensitive, Source: source}
	}
	if req.Files != nil {
		set("files")
	}

	switch {
	case o.enable && o.disable:
		errs = append(errs, core.Errf("--enable", "cannot be combined with --disable"))
	case o.enable:
		req.Enabled = ptr(true)
	case o.disable:
		req.Enabled = ptr(false)
	}

	b, noBuild, bErrs := o.build(changed)
	errs = append(errs, bErrs...)
	switch {
	case noBuild:
		req.NoBuild = true
		set("no_build")
	case b != nil:
		req.Build = b
		set("build")
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
				errs = append(errs, core.Errf("--compose-file", fmt.Sprintf("cannot read %s: %v", o.composeFile, bareError(err))))
			}
			fragment = string(b)
		}
		if p := core.TextProblem(fragment); p != "" {
			errs = append(errs, core.Errf("--compose-file", "content "+p+"; a compose fragment is YAML text"))
		}
		req.Compose = fragment
		set("compose")
	}

	if err := errs.Err(); err != nil {
		return req, err
	}
	if o.keepExports {
		req.KeepExports = true
		set("keep_exports")
	}
	if len(req.Mask) == 0 && req.Enabled == nil {
		return req, withHint(errors.New("nothing to change: give at least one flag"), "see `instance set --help` for the fields you can override")
	}
	slices.Sort(req.Mask)
	return req, nil
}
