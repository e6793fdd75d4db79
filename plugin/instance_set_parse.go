package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-shellwords"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

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
