package core

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is bad input: the field (a dotted path such as
// "instances.api.ports[1]") and the rule it broke.
type FieldError struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
	Hint  string `json:"hint,omitempty"`
	Line  int    `json:"line,omitempty"` // line in the input file, when known
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", e.Field, e.Line, e.Rule)
	}
	return e.Field + ": " + e.Rule
}

// Errf returns a *FieldError.
func Errf(field, rule string) *FieldError { return &FieldError{Field: field, Rule: rule} }

// FieldErrors collects every problem found in one input, in order.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err returns nil when es is empty, the single error when there is one, and es otherwise.
func (es FieldErrors) Err() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es
}

// AsFieldErrors flattens err into field errors, or nil if it carries none.
func AsFieldErrors(err error) FieldErrors {
	var many FieldErrors
	if errors.As(err, &many) {
		return many
	}
	var one *FieldError
	if errors.As(err, &one) {
		return FieldErrors{one}
	}
	return nil
}

// Severity of a Diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is a problem or note about a stack's desired state (wiring,
// ports, networks). Errors block plan and apply; warnings are shown.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Instance string   `json:"instance,omitempty"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"` // a command that resolves it, when there is one
}

func (d Diagnostic) Error() string {
	if d.Instance != "" {
		return "instance " + d.Instance + ": " + d.Message
	}
	return d.Message
}

// DiagnosticsError is returned when a stack's desired state has errors.
type DiagnosticsError struct {
	Diagnostics []Diagnostic `json:"diagnostics"` // errors only
}

func (e *DiagnosticsError) Error() string {
	msgs := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		msgs[i] = d.Error()
	}
	return strings.Join(msgs, "; ")
}
