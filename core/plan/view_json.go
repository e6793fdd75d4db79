package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
)

// A View's JSON is what API clients and `plan --json` read, so it speaks
// plainly: actions by name ("create", "update", "replace", "delete") and
// field values as JSON values (an env value "on" as "on", a command as an
// array of strings) rather than in the quoted form the plan prints. A
// stored Plan keeps its own encoding (symbols, display strings); only the
// View's changes here.

// viewJSON is View's JSON form: View's fields in View's order, with the
// network action and the changes in their plain forms.
type viewJSON struct {
	ID          string    `json:"id"`
	Stack       string    `json:"stack"`
	Lineage     string    `json:"lineage"`
	Serial      uint64    `json:"serial"`
	StateHash   string    `json:"state_hash"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	Destroy     bool      `json:"destroy,omitempty"`
	Runtime     string    `json:"runtime"`
	RuntimeKind string    `json:"runtime_kind,omitempty"`

	Network  string              `json:"network,omitempty"`
	Changes  []changeJSON        `json:"changes,omitempty"`
	Wires    []core.ResolvedWire `json:"wires,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Summary  Summary             `json:"summary"`
	Stopped  []string            `json:"stopped,omitempty"`
	Starts   []string            `json:"starts,omitempty"`

	Targets  []string      `json:"targets,omitempty"`
	Included []Included    `json:"included,omitempty"`
	LeftOut  []leftOutJSON `json:"left_out,omitempty"`

	Desired core.DesiredView `json:"desired"`

	Basis     Basis      `json:"basis"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// changeJSON is a ResourceChange as a View's JSON writes it.
type changeJSON struct {
	Instance  string      `json:"instance"`
	Container string      `json:"container"`
	Template  string      `json:"template,omitempty"`
	Action    string      `json:"action"`
	Reason    string      `json:"reason,omitempty"`
	Fields    []fieldJSON `json:"fields,omitempty"`
	// Privileges are ResourceChange.Privileges, as they are.
	Privileges []string `json:"privileges,omitempty"`
	Rebuild    bool     `json:"rebuild,omitempty"`
}

// leftOutJSON is a LeftOut with its action by name.
type leftOutJSON struct {
	Instance string `json:"instance"`
	Action   string `json:"action"`
}

// fieldJSON is a FieldChange with its values as JSON values.
type fieldJSON struct {
	Field  string          `json:"field"`
	Old    json.RawMessage `json:"old,omitempty"`
	New    json.RawMessage `json:"new,omitempty"`
	Secret bool            `json:"secret,omitempty"`
}

// ActionName is a's name in a View's JSON: "create", "update", "replace",
// "delete", or "" for NoOp.
func ActionName(a Action) string {
	if a == NoOp {
		return ""
	}
	return a.Word()
}

// parseAction reads an action by name (or, as older daemons wrote it, by
// its symbol).
func parseAction(s string) (Action, error) {
	for _, a := range []Action{Create, Update, Replace, Delete} {
		if s == a.Word() || s == string(a) {
			return a, nil
		}
	}
	if s == "" {
		return NoOp, nil
	}
	return NoOp, fmt.Errorf("action %q: must be one of create, update, replace, delete", s)
}

// MarshalJSON writes v in its plain JSON form.
func (v View) MarshalJSON() ([]byte, error) {
	w := viewJSON{
		ID: v.ID, Stack: v.Stack, Lineage: v.Lineage, Serial: v.Serial, StateHash: v.StateHash,
		CreatedAt: v.CreatedAt, ExpiresAt: v.ExpiresAt, Destroy: v.Destroy, Runtime: v.Runtime,
		RuntimeKind: v.RuntimeKind, Network: ActionName(v.Network), Wires: v.Wires, Warnings: v.Warnings,
		Summary: v.Summary, Desired: v.Desired, Basis: v.Basis, AppliedAt: v.AppliedAt,
		Targets: v.Targets, Included: v.Included, Stopped: v.Stopped, Starts: v.Starts,
	}
	for _, l := range v.LeftOut {
		w.LeftOut = append(w.LeftOut, leftOutJSON{Instance: l.Instance, Action: ActionName(l.Action)})
	}
	if v.Changes != nil {
		w.Changes = make([]changeJSON, len(v.Changes))
		for i, c := range v.Changes {
			cj := changeJSON{Instance: c.Instance, Container: c.Container, Template: c.Template,
				Action: ActionName(c.Action), Reason: c.Reason, Privileges: c.Privileges, Rebuild: c.Rebuild}
			if c.Fields != nil {
				cj.Fields = make([]fieldJSON, len(c.Fields))
				for j, f := range c.Fields {
					cj.Fields[j] = fieldJSON{Field: f.Field, Secret: f.Secret,
						Old: plainValue(f.Field, f.Old, f.Secret), New: plainValue(f.Field, f.New, f.Secret)}
				}
			}
			w.Changes[i] = cj
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads v from its plain JSON form.
func (v *View) UnmarshalJSON(b []byte) error {
	var w viewJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	network, err := parseAction(w.Network)
	if err != nil {
		return fmt.Errorf("plan network: %w", err)
	}
	*v = View{
		ID: w.ID, Stack: w.Stack, Lineage: w.Lineage, Serial: w.Serial, StateHash: w.StateHash,
		CreatedAt: w.CreatedAt, ExpiresAt: w.ExpiresAt, Destroy: w.Destroy, Runtime: w.Runtime,
		RuntimeKind: w.RuntimeKind, Network: network, Wires: w.Wires, Warnings: w.Warnings,
		Summary: w.Summary, Desired: w.Desired, Basis: w.Basis, AppliedAt: w.AppliedAt,
		Targets: w.Targets, Included: w.Included, Stopped: w.Stopped, Starts: w.Starts,
	}
	for _, l := range w.LeftOut {
		a, err := parseAction(l.Action)
		if err != nil {
			return fmt.Errorf("plan change left out of instance %s: %w", l.Instance, err)
		}
		v.LeftOut = append(v.LeftOut, LeftOut{Instance: l.Instance, Action: a})
	}
	if w.Changes == nil {
		return nil
	}
	v.Changes = make([]ResourceChange, len(w.Changes))
	for i, cj := range w.Changes {
		a, err := parseAction(cj.Action)
		if err != nil {
			return fmt.Errorf("plan change of instance %s: %w", cj.Instance, err)
		}
		c := ResourceChange{Instance: cj.Instance, Container: cj.Container, Template: cj.Template, Action: a, Reason: cj.Reason,
			Privileges: cj.Privileges, Rebuild: cj.Rebuild}
		if cj.Fields != nil {
			c.Fields = make([]FieldChange, len(cj.Fields))
			for j, fj := range cj.Fields {
				f := FieldChange{Field: fj.Field, Secret: fj.Secret}
				if f.Old, err = displayValue(fj.Field, fj.Old, fj.Secret); err != nil {
					return fmt.Errorf("plan change of instance %s: %w", cj.Instance, err)
				}
				if f.New, err = displayValue(fj.Field, fj.New, fj.Secret); err != nil {
					return fmt.Errorf("plan change of instance %s: %w", cj.Instance, err)
				}
				c.Fields[j] = f
			}
		}
		v.Changes[i] = c
	}
	return nil
}

// valueKind is how a field's display value is written.
type valueKind int

const (
	kindText   valueKind = iota // as it is
	kindQuoted                  // a Go-quoted string (env and label values)
	kindList                    // a list of Go-quoted strings (command, entrypoint)
)

func kindOf(field string) valueKind {
	switch {
	case strings.HasPrefix(field, "env."), strings.HasPrefix(field, "labels."):
		return kindQuoted
	case field == "command", field == "entrypoint":
		return kindList
	}
	return kindText
}

// plainValue is the JSON value of a field's display value s: the string
// itself for env and label values, an array for a command, s as a JSON
// string otherwise (and for a secret's redacted value). "" is no value.
func plainValue(field, s string, secret bool) json.RawMessage {
	if s == "" {
		return nil
	}
	var v any = s
	if !secret {
		switch kindOf(field) {
		case kindQuoted:
			if u, err := strconv.Unquote(s); err == nil {
				v = u
			}
		case kindList:
			if l, ok := parseList(s); ok {
				v = l
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil { // a string or a list of strings always encodes
		panic(err)
	}
	return b
}

// displayValue turns a JSON value back into the display value plainValue
// was made from.
func displayValue(field string, raw json.RawMessage, secret bool) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if !secret && kindOf(field) == kindQuoted {
			return strconv.Quote(s), nil
		}
		return s, nil
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err == nil && kindOf(field) == kindList {
		return formatList(l), nil
	}
	return "", fmt.Errorf("field %s: value %s: must be a string, or a list of strings for command and entrypoint", field, raw)
}

// parseList reads what formatList wrote: ["a", "b"].
func parseList(s string) ([]string, bool) {
	rest, ok := strings.CutPrefix(s, "[")
	if !ok {
		return nil, false
	}
	rest, ok = strings.CutSuffix(rest, "]")
	if !ok {
		return nil, false
	}
	out := []string{}
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, false
		}
		u, err := strconv.Unquote(q)
		if err != nil {
			return nil, false
		}
		out = append(out, u)
		rest = rest[len(q):]
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ", "); !ok || rest == "" {
				return nil, false
			}
		}
	}
	return out, len(out) > 0
}
