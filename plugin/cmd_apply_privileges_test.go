package main

import (
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core/plan"
)

func TestConsentToPrivileges(t *testing.T) {
	granting := plan.View{Stack: "ops", Changes: []plan.ResourceChange{
		{Instance: "agent", Action: plan.Create, Privileges: []string{"privileged", "bind /"}},
		{Instance: "web", Action: plan.Create},
	}}
	tests := []struct {
		name        string
		p           plan.View
		autoApprove bool
		interactive bool
		stdin       string
		want        bool
		wantErr     []string // "" parts the error must hold; nil: no error
		wantOut     []string
	}{
		{"nothing granted", plan.View{Changes: []plan.ResourceChange{{Instance: "web", Action: plan.Create}}}, false, false, "", false, nil, nil},
		{"not a terminal", granting, false, false, "yes\n", false,
			[]string{"agent: privileged; agent: bind /", "stdin is not a terminal", "--allow-privileged"}, nil},
		{"auto-approve does not grant", granting, true, true, "yes\n", false,
			[]string{"agent: privileged", "--auto-approve approves the changes, not the privileges", "--allow-privileged"}, nil},
		{"confirmed", granting, false, true, "yes\n", true, nil, []string{"! agent: privileged", "! agent: bind /", privilegesPrompt}},
		{"refused", granting, false, true, "no\n", false, []string{"privileges were not granted"}, []string{"! agent: privileged"}},
		{"stdin ends", granting, false, true, "", false, []string{"privileges were not granted"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			c := newCLI(strings.NewReader(tt.stdin), &out, &out, envOf(nil))
			got, err := consentToPrivileges(c, "ops", tt.p, tt.autoApprove, tt.interactive)
			if got != tt.want {
				t.Errorf("consent = %v, want %v", got, tt.want)
			}
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				msg := err.Error()
				if h, ok := err.(interface{ Hint() string }); ok {
					msg += " " + h.Hint()
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q lacks %q", msg, w)
					}
				}
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output %q lacks %q", out.String(), w)
				}
			}
		})
	}
}

// TestReadLineLeavesTheRest checks that the privileges question
// leaves the approval answer on stdin for the next question.
func TestReadLineLeavesTheRest(t *testing.T) {
	in := strings.NewReader("yes\nno\n")
	first, err1 := readLine(in)
	second, err2 := readLine(in)
	if first != "yes" || second != "no" || err1 != nil || err2 != nil {
		t.Errorf("readLine = %q (%v), %q (%v); want yes, no", first, err1, second, err2)
	}
}
