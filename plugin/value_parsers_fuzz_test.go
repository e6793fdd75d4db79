package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// FuzzCLIValueParsers feeds arbitrary text to the parsers of the values
// `instance set` takes: --command (shell-quoted), --file TARGET=@PATH,
// --label and --env KEY=VALUE. None panics; each refusal is a field error
// naming the flag's field; accepted values keep their parts (a --file
// target is absolute, a plain --command splits like strings.Fields, and
// a KEY=VALUE rejoins to the input).
func FuzzCLIValueParsers(f *testing.F) {
	for _, s := range []string{
		"postgres -c log_statement=all", `sh -c 'echo "a b" && exit 1'`, `"unterminated`, `a\ b`, "",
		"/etc/app/config.yml=@./config.yml", "rel=@x", "/x=@", "/etc/../x=@y", "KEY=VALUE", "=v", "K==v", "devarch.x=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv, err := splitCommand([]string{s})
		if err == nil && plainWords(s) && !slices.Equal(argv, strings.Fields(s)) {
			t.Fatalf("--command %q split into %q; want %q", s, argv, strings.Fields(s))
		}
		if two, err := splitCommand([]string{s, s}); err != nil || len(two) != 2 || two[0] != s {
			t.Fatalf("repeated --command values %q were changed: %q, %v", s, two, err)
		}

		target, local, err := core.ParseFileAssign(s)
		fieldRefusal(t, "--file", "file", s, err)
		if err == nil && (!strings.HasPrefix(target, "/") || local == "" || target+"=@"+local != s) {
			t.Fatalf("--file %q accepted as target %q, local %q", s, target, local)
		}

		key, value, err := core.ParseLabel(s)
		fieldRefusal(t, "--label", "label", s, err)
		if err == nil && key+"="+value != s {
			t.Fatalf("--label %q parsed as %q=%q", s, key, value)
		}

		key, value, err = core.ParseEnvAssign(s)
		fieldRefusal(t, "--env", "env", s, err)
		if err == nil && key+"="+value != s {
			t.Fatalf("--env %q parsed as %q=%q", s, key, value)
		}
	})
}

// plainWords reports whether s holds only letters, digits and spaces: what
// a shell splits exactly as strings.Fields does.
func plainWords(s string) bool {
	for _, r := range s {
		if !(r == ' ' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func fieldRefusal(t *testing.T, flag, field, s string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var fe *core.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("%s %q: error %T %v; want a field error on %q", flag, s, err, err, field)
	}
}
