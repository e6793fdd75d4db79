package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// APIError is the daemon's error shape, embedded in Error.
type APIError = api.Error

// Error is an error answered by the daemon: the HTTP status and the decoded
// api.Error (Code, Message, Fields, Diagnostics, Lock are promoted).
type Error struct {
	Status int
	APIError
}

// Error returns the daemon's message. Diagnostics and field errors the
// message does not already spell out are appended, so every problem shows.
func (e *Error) Error() string {
	var parts []string
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	if len(e.Diagnostics) > 0 {
		if d := (&core.DiagnosticsError{Diagnostics: e.Diagnostics}).Error(); !strings.HasSuffix(e.Message, d) {
			parts = append(parts, d)
		}
	} else if len(e.Fields) > 0 {
		if f := core.FieldErrors(e.Fields).Error(); !strings.HasSuffix(e.Message, f) {
			parts = append(parts, f)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, ": ")
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("daemon answered HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// Hint suggests what to do next: the daemon's hint, if it gave one. The
// daemon words the hint for a held lock itself, so the CLI never repeats
// (and never drifts from) that text.
func (e *Error) Hint() string {
	return e.APIError.Hint
}

// UnavailableError means nothing answered on the daemon's socket.
type UnavailableError struct {
	Socket string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("devarch daemon is not answering on %s: %v", e.Socket, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Hint says how to get a daemon running.
func (e *UnavailableError) Hint() string {
	return "start it with `devarch daemon run` (the CLI starts it on demand unless the socket path is taken)"
}

// ConnectionLostError means the daemon closed the connection before its
// answer was complete: it stopped (crashed, was killed) while it ran the
// request, which may or may not have taken effect.
type ConnectionLostError struct {
	Where string // the request: "PATCH /v1/stacks/shop/instances/db"
	Err   error
}

func (e *ConnectionLostError) Error() string {
	return fmt.Sprintf("the devarch daemon closed the connection during %s (it stopped before answering): %v", e.Where, e.Err)
}

func (e *ConnectionLostError) Unwrap() error { return e.Err }

// Hint says what to check: a change may have been made before the daemon
// stopped, and the next command starts a new daemon.
func (e *ConnectionLostError) Hint() string {
	return "the change may have been made before it stopped: check with a show or `devarch jobs` command (it starts the daemon again), and see daemon.log in the devarch home"
}

// lostConnection wraps err as a *ConnectionLostError when it says the
// connection ended early, and returns nil otherwise.
func lostConnection(where string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return &ConnectionLostError{Where: where, Err: err}
	}
	return nil
}

// IsConnectionLost reports whether the daemon stopped while it answered.
func IsConnectionLost(err error) bool {
	var e *ConnectionLostError
	return errors.As(err, &e)
}

func hasCode(err error, code api.Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// IsNotFound reports whether the daemon answered not_found.
func IsNotFound(err error) bool { return hasCode(err, api.CodeNotFound) }

// IsInvalid reports whether the daemon refused the input.
func IsInvalid(err error) bool { return hasCode(err, api.CodeInvalid) }

// IsLocked reports whether the stack's lock is held by someone else.
func IsLocked(err error) bool { return hasCode(err, api.CodeLocked) }

// IsStalePlan reports whether a saved plan no longer applies.
func IsStalePlan(err error) bool { return hasCode(err, api.CodeStalePlan) }

// IsConflict reports whether the request conflicts with what exists.
func IsConflict(err error) bool { return hasCode(err, api.CodeConflict) }

// IsRuntime reports whether the container runtime failed.
func IsRuntime(err error) bool { return hasCode(err, api.CodeRuntime) }

// IsDaemonUnavailable reports whether nothing answered on the socket.
func IsDaemonUnavailable(err error) bool {
	var e *UnavailableError
	return errors.As(err, &e)
}

// Unwrap exposes the daemon's diagnostics as a *core.DiagnosticsError and
// its field errors as core.FieldErrors, for errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if len(e.Diagnostics) > 0 {
		out = append(out, &core.DiagnosticsError{Diagnostics: e.Diagnostics})
	}
	if len(e.Fields) > 0 {
		out = append(out, core.FieldErrors(e.Fields))
	}
	return out
}
