package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mattn/go-shellwords"

	"github.com/devarch-dev/devarch/core"
)

// healthcheck builds the healthcheck override from the --healthcheck-*
// flags and the mask paths it sets: the whole object for --no-healthcheck
// (a test of NONE), else one healthcheck.FIELD path per flag given, applied
// over the instance's effective healthcheck.
func (o *instanceSetOptions) healthcheck(changed func(string) bool) (*core.Healthcheck, []string, core.FieldErrors) {
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
		return &core.Healthcheck{Test: []string{"NONE"}}, []string{"healthcheck"}, errs
	}
	if !anyHC {
		return nil, nil, nil
	}
	var h core.Healthcheck
	var paths []string
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
			h.Test = append([]string{"CMD"}, argv...)
			paths = append(paths, "healthcheck.test")
		}
	}
	if changed("healthcheck-cmd") {
		if strings.TrimSpace(o.hcCmd) == "" {
			errs = append(errs, core.Errf("--healthcheck-cmd", "is empty; use --no-healthcheck to run without one"))
		} else if prob := core.TextProblem(o.hcCmd); prob != "" {
			errs = append(errs, core.Errf("--healthcheck-cmd", "command "+prob))
		} else {
			h.Test = []string{"CMD-SHELL", o.hcCmd}
			paths = append(paths, "healthcheck.test")
		}
	}
	for _, d := range []struct {
		flag, path string
		val        string
		dst        *core.Duration
	}{
		{"healthcheck-interval", "healthcheck.interval", o.hcInterval, &h.Interval},
		{"healthcheck-timeout", "healthcheck.timeout", o.hcTimeout, &h.Timeout},
		{"healthcheck-start-period", "healthcheck.start_period", o.hcStartPeriod, &h.StartPeriod},
	} {
		if !changed(d.flag) {
			continue
		}
		v, err := core.ParseDuration(d.val)
		if err != nil {
			errs = append(errs, core.Errf("--"+d.flag, err.Error()))
			continue
		}
		*d.dst = v
		paths = append(paths, d.path)
	}
	if changed("healthcheck-retries") {
		if o.hcRetries < 0 {
			errs = append(errs, core.Errf("--healthcheck-retries", "must not be negative"))
		} else {
			h.Retries = o.hcRetries
			paths = append(paths, "healthcheck.retries")
		}
	}
	return &h, paths, errs
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

// build builds the build override from the --build-* flags, or reports
// --no-build. The build is replaced as a whole, so --build-file,
// --build-target and --build-arg need --build-context; the context is
// made absolute against the working directory (the store holds absolute
// contexts; the daemon checks it exists).
func (o *instanceSetOptions) build(changed func(string) bool) (*core.ImageBuild, bool, core.FieldErrors) {
	var errs core.FieldErrors
	given := changed("build-context") || changed("build-file") || changed("build-target") || len(o.buildArgs) > 0
	if o.noBuild {
		if given {
			errs = append(errs, core.Errf("--no-build", "cannot be combined with --build-* flags"))
		}
		return nil, true, errs
	}
	if !given {
		return nil, false, nil
	}
	if !changed("build-context") || strings.TrimSpace(o.buildContext) == "" {
		return nil, false, append(errs, core.Errf("--build-context",
			"is required with --build-file, --build-target and --build-arg: a build is replaced as a whole"))
	}
	b := &core.ImageBuild{Dockerfile: o.buildFile, Target: o.buildTarget}
	ctxDir, err := filepath.Abs(o.buildContext)
	if err != nil {
		return nil, false, append(errs, core.Errf("--build-context", fmt.Sprintf("cannot make %q absolute: %v", o.buildContext, err)))
	}
	b.Context = ctxDir
	for _, kv := range o.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			errs = append(errs, core.Errf("--build-arg", fmt.Sprintf("%q is not KEY=VALUE", kv)))
			continue
		}
		if b.Args == nil {
			b.Args = core.BuildArgs{}
		}
		b.Args[k] = v
	}
	return b, false, errs
}
