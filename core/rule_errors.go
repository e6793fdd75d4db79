package core

// ConflictError refuses a change because of the state it meets (a name
// already taken, a stack another joins, wiring the change would break), as
// opposed to bad input (FieldError). Diagnostics explain it, when there are
// several causes.
type ConflictError struct {
	Msg         string
	Hint        string
	Diagnostics []Diagnostic
}

func (e *ConflictError) Error() string { return e.Msg }

// NotFoundError names something a request refers to that does not exist.
type NotFoundError struct {
	Msg  string
	Hint string
}

func (e *NotFoundError) Error() string { return e.Msg }
