package core

import "fmt"

// Maximum sizes of stored fields, in bytes; README.md ("Limits") lists them
// with the daemon's request body limit. Validation refuses a larger value
// with an error naming the field and the limit, and stores nothing.
const (
	MaxDescription = 1 << 10  // a stack's or a template's description
	MaxEnvironment = 64       // a stack's environment label
	MaxEnvKey      = 256      // an env variable name
	MaxEnvValue    = 64 << 10 // an env value, and an export env template and what it renders to
	MaxLabelKey    = 256      // a label key
	MaxLabelValue  = 4 << 10  // a label value
	MaxArg         = 64 << 10 // one element of a command, entrypoint or healthcheck test
	MaxFileContent = 1 << 20  // a config file's content
	MaxCompose     = 64 << 10 // an instance's compose fragment
	MaxFileTarget  = 1 << 10  // a config file's target path (written under the home's stacks/)
	MaxPathElement = 255      // one element of a config file's target path (a file name)
)

// sizeString writes n bytes as the limits are documented: "64 KiB", "1 MiB".
func sizeString(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// sizeProblem returns the rule a value of n bytes breaks when the limit is
// max, or "". It never quotes the value, which may be a secret.
func sizeProblem(what string, n, max int) string {
	if n <= max {
		return ""
	}
	return fmt.Sprintf("%s is %d bytes; the limit is %s", what, n, sizeString(max))
}

// size adds a field error when a value of n bytes is over max.
func (c *checker) size(field, what string, n, max int) {
	if p := sizeProblem(what, n, max); p != "" {
		c.add(field, p)
	}
}
