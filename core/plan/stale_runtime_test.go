package plan

import (
	"errors"
	"testing"
)

// A saved plan is bound to the runtime kind it was computed against.
func TestStalenessRuntime(t *testing.T) {
	in := baseInput()
	in.Runtime = "podman"
	p := savedPlan(in)
	if p.RuntimeKind != "podman" {
		t.Fatalf("Compute RuntimeKind = %q; want podman", p.RuntimeKind)
	}
	if err := Staleness(p, in, t0); err != nil {
		t.Errorf("same runtime: %v", err)
	}

	other := in
	other.Runtime = "docker"
	err := Staleness(p, other, t0)
	var se *StaleError
	if !errors.As(err, &se) || se.Kind != StaleRuntime {
		t.Fatalf("other runtime: %v; want a %s StaleError", err, StaleRuntime)
	}
	if want := "plan abc123 was made for runtime podman, not docker"; se.Error() != want {
		t.Errorf("error = %q; want %q", se.Error(), want)
	}
	if want := "apply it with `--runtime podman`, or run `plan shop` again on this runtime"; se.Hint() != want {
		t.Errorf("hint = %q; want %q", se.Hint(), want)
	}

	// A plan saved before kinds were recorded got its kind from schema
	// migration 3 (or was removed): an empty kind is no wildcard any more,
	// on either side.
	old := p
	old.RuntimeKind = ""
	if err := Staleness(old, other, t0); !errors.As(err, &se) || se.Kind != StaleRuntime {
		t.Errorf("plan without a runtime kind: %v; want a %s StaleError", err, StaleRuntime)
	}
	unknown := in
	unknown.Runtime = ""
	if err := Staleness(p, unknown, t0); !errors.As(err, &se) || se.Kind != StaleRuntime {
		t.Errorf("input without a runtime kind: %v; want a %s StaleError", err, StaleRuntime)
	}
}
