package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/apply"
	"github.com/devarch-dev/devarch/daemon/internal/jobs"
	"github.com/devarch-dev/devarch/daemon/internal/service"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// maxBody is the largest request body the daemon reads.
const maxBody = 16 << 20

// apiError is an error of the HTTP layer itself (a bad body, an unknown
// route, a refused peer) with an API code, a message and an optional hint.
type apiError struct {
	Code api.Code
	Msg  string
	Hint string
}

func (e *apiError) Error() string { return e.Msg }

// errorf returns an *apiError with code, hint and a formatted message.
func errorf(code api.Code, hint string, format string, args ...any) error {
	return &apiError{Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(api.ErrorBody{Error: &api.Error{Code: api.CodeInternal, Message: "encode response: " + err.Error()}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes err in the one API error shape, with the status of its code.
func writeError(w http.ResponseWriter, err error) {
	e := toAPIError(err)
	writeJSON(w, e.Code.Status(), api.ErrorBody{Error: e})
}

// toAPIError classifies err.
func toAPIError(err error) *api.Error {
	if err == nil {
		return &api.Error{Code: api.CodeInternal, Message: "unknown error"}
	}
	var (
		ae    *apiError
		se    *service.Error
		re    *apply.RuntimeError
		lock  *jobs.LockError
		diags *core.DiagnosticsError
		ce    *runtime.ComposeError
		cf    *core.ConflictError
		nf    *core.NotFoundError
	)
	switch {
	case errors.As(err, &ae):
		return &api.Error{Code: ae.Code, Message: ae.Msg, Hint: ae.Hint}
	case errors.As(err, &se):
		return &api.Error{Code: se.Code, Message: se.Msg, Hint: se.Hint}
	case errors.As(err, &re):
		return &api.Error{Code: api.CodeRuntime, Message: re.Msg, Hint: re.Hint}
	case errors.As(err, &cf):
		return &api.Error{Code: api.CodeConflict, Message: cf.Msg, Hint: cf.Hint, Diagnostics: cf.Diagnostics}
	case errors.As(err, &nf):
		return &api.Error{Code: api.CodeNotFound, Message: nf.Msg, Hint: nf.Hint}
	case errors.As(err, &lock):
		h := lock.Holder
		return &api.Error{Code: api.CodeLocked, Message: lock.Error(), Lock: &h, Hint: lock.Hint()}
	case errors.As(err, &diags):
		return &api.Error{Code: api.CodeInvalid, Message: diags.Error(), Diagnostics: diags.Diagnostics}
	case core.AsFieldErrors(err) != nil:
		fes := core.AsFieldErrors(err)
		return &api.Error{Code: api.CodeInvalid, Message: err.Error(), Fields: fes}
	case store.IsNotFound(err):
		return &api.Error{Code: api.CodeNotFound, Message: err.Error()}
	case plan.IsStale(err):
		e := &api.Error{Code: api.CodeStalePlan, Message: err.Error()}
		var h interface{ Hint() string }
		if errors.As(err, &h) {
			e.Hint = h.Hint()
		}
		return e
	case errors.As(err, &ce):
		return &api.Error{Code: api.CodeRuntime, Message: err.Error()}
	}
	return &api.Error{Code: api.CodeInternal, Message: err.Error()}
}

// decodeJSON reads r's JSON body into v. Unknown fields, trailing data and
// bodies over 16 MiB are refused; an empty body leaves v as it is.
func decodeJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return errorf(api.CodeInvalid, "", "request body: %v", err)
	}
	if len(body) > maxBody {
		return errorf(api.CodeInvalid, "", "request body is larger than %d MiB", maxBody>>20)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(v)
	var syn *json.SyntaxError
	switch {
	case err == nil:
		if _, more := dec.Token(); more == nil {
			return errorf(api.CodeInvalid, "", "request body: unexpected data after the JSON value")
		}
	case errors.As(err, &syn):
		return errorf(api.CodeInvalid, "", "request body is not valid JSON at byte %d: %v", syn.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(api.CodeInvalid, "", "request body: JSON ends early")
	}
	// The body is valid JSON: find what the type refuses, by its path
	// (also when the decode succeeded: unknown and duplicate keys).
	if fe := jsonProblem(body, reflect.TypeOf(v)); fe != nil {
		return fe
	}
	if err == nil {
		return nil
	}
	var fe *core.FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return errorf(api.CodeInvalid, "", "request body: %v", err)
}

// jsonKind names a Go kind the way a JSON user thinks of it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice", kind == "array":
		return "array"
	case kind == "map", kind == "struct", kind == "ptr":
		return "object"
	case kind == "bool":
		return "boolean"
	}
	return kind
}

// answer returns a function that writes a service method's result: v with
// status, or err in the API error shape. A handler calls it as
// answer(w, status)(s.svc.Method(...)).
func answer(w http.ResponseWriter, status int) func(v any, err error) {
	return func(v any, err error) {
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, status, v)
	}
}

// answerEmpty writes err, or an empty object when it is nil.
func answerEmpty(w http.ResponseWriter, err error) {
	answer(w, http.StatusOK)(struct{}{}, err)
}

// queryBool reports whether query parameter name is a true boolean.
func queryBool(r *http.Request, name string) bool {
	v, err := strconv.ParseBool(r.URL.Query().Get(name))
	return err == nil && v
}
