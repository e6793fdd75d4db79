package core

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use, not when the program starts: the
// one binary is the CLI too, and a CLI call that validates nothing should
// not pay for compiling the validation patterns.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
