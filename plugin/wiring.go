package main

import (
	"strings"

	"github.com/devarch-dev/devarch/core"
)

// splitConsumer splits CONSUMER[.IMPORT].
func splitConsumer(s string) (consumer, imp string) {
	consumer, imp, _ = strings.Cut(s, ".")
	return consumer, imp
}

// wiringExitDoc is the help text on the exit status of the wiring commands.
const wiringExitDoc = `The stack's wiring problems are printed on stderr as
"devarch: error: ..." and "devarch: warning: ..." lines. Like terraform validate,
the exit status is 1 when the wiring has errors that plan and apply would refuse
(an ambiguous import, a required import without a provider, a cycle, a wire to a
disabled instance), and 0 otherwise.`

// wiringErrors returns the error diagnostics of ds.
func wiringErrors(ds []core.Diagnostic) []core.Diagnostic {
	var out []core.Diagnostic
	for _, d := range ds {
		if d.Severity == core.SeverityError || d.Severity == "" {
			out = append(out, d)
		}
	}
	return out
}

// wiringExit is the outcome of wire, unwire and wires once the wiring and its
// diagnostics are printed: like `terraform validate`, exit status 1 when the
// stack's wiring has errors (plan and apply would refuse it), 0 when it has
// none, warnings or not. A wire or unwire is stored either way; its output
// says so first.
func wiringExit(ds []core.Diagnostic) error {
	if len(wiringErrors(ds)) > 0 {
		return &exitError{code: 1}
	}
	return nil
}
