package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// wireStack is a stack with one instance of each wiring test template
// used by the wire tests.
func wireStack() Stack {
	return Stack{Name: "shop", Instances: []Instance{
		inst("web", "web"), inst("db", "postgres"), inst("db2", "postgres"), inst("report", "report"),
		inst("gw", "gw"), inst("multi", "multi"), inst("cache", "redis"), inst("search", "search"),
	}}
}

func TestCheckWire(t *testing.T) {
	tests := []struct {
		name  string
		wire  Wire
		field string // "" for a wire accepted
		want  string // in the rule, or IMPORT.EXPORT of the wire as completed
	}{
		{name: "import inferred", wire: Wire{Consumer: "web", Provider: "cache"}, want: "cache."},
		{name: "provider given as PROVIDER.EXPORT", wire: Wire{Consumer: "gw", Provider: "multi.admin"}, want: "up.admin"},
		{name: "named import and export", wire: Wire{Consumer: "report", Import: "audit", Provider: "db", Export: "postgres"}, want: "audit.postgres"},
		{name: "no consumer", wire: Wire{Provider: "db"}, field: "consumer", want: "is required"},
		{name: "unknown consumer", wire: Wire{Consumer: "nope", Provider: "db"}, field: "consumer", want: `no instance "nope"`},
		{name: "unknown provider", wire: Wire{Consumer: "web", Provider: "nope"}, field: "provider", want: `no instance "nope"`},
		{name: "itself", wire: Wire{Consumer: "db", Provider: "db"}, field: "provider", want: "cannot be wired to itself"},
		{name: "unknown export", wire: Wire{Consumer: "web", Provider: "db.nope"}, field: "export", want: `no export "nope" (its exports: postgres (postgres))`},
		{name: "several imports fit", wire: Wire{Consumer: "report", Provider: "db"}, field: "import", want: "its imports: main (postgres), audit (postgres)"},
		{name: "unknown import", wire: Wire{Consumer: "web", Import: "nope", Provider: "db"}, field: "import", want: `has no import "nope"`},
		{name: "export of another type", wire: Wire{Consumer: "gw", Import: "up", Provider: "multi.metrics"}, field: "export", want: "is not a http contract"},
		{name: "provider serves no such type", wire: Wire{Consumer: "web", Import: "db", Provider: "search"}, field: "provider", want: `instance "search" exports x-search`},
		{name: "several exports of the type", wire: Wire{Consumer: "gw", Import: "up", Provider: "multi"}, field: "export", want: "has 2 exports of type http (admin, web)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := wireStack()
			w := tc.wire
			err := CheckWire(&st, wiringTemplates(), &w)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := w.Import + "." + w.Export; got != tc.want {
					t.Errorf("wire = %+v, want import.export %s", w, tc.want)
				}
				return
			}
			fes := AsFieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tc.field || !strings.Contains(fes[0].Rule, tc.want) {
				t.Fatalf("err = %v, want field %s with %q", err, tc.field, tc.want)
			}
		})
	}
}

func TestAddAndRemoveWire(t *testing.T) {
	st := wireStack()
	tpls := wiringTemplates()
	if err := AddWire(&st, tpls, Wire{Consumer: "web", Import: "db", Provider: "db"}); err != nil {
		t.Fatal(err)
	}
	if err := AddWire(&st, tpls, Wire{Consumer: "web", Import: "db", Provider: "db2"}); err != nil {
		t.Fatal(err)
	}
	if err := AddWire(&st, tpls, Wire{Consumer: "web", Import: "cache", Provider: "cache"}); err != nil {
		t.Fatal(err)
	}
	if want := []Wire{{Consumer: "web", Import: "db", Provider: "db2"}, {Consumer: "web", Import: "cache", Provider: "cache"}}; !slices.Equal(st.Wires, want) {
		t.Fatalf("wires = %+v, want the second wire of web.db to replace the first", st.Wires)
	}
	if err := AddWire(&st, tpls, Wire{Consumer: "web", Import: "db", Provider: "nope"}); err == nil || !slices.Equal(st.Wires[:1], []Wire{{Consumer: "web", Import: "db", Provider: "db2"}}) {
		t.Fatalf("a bad wire: err = %v, wires = %+v", err, st.Wires)
	}

	tests := []struct {
		name, consumer, imp string
		check               func(error) bool
	}{
		{"no consumer", "", "", func(err error) bool { fe := AsFieldErrors(err); return len(fe) == 1 && fe[0].Field == "consumer" }},
		{"no such wire", "gw", "", func(err error) bool {
			var nf *NotFoundError
			return errors.As(err, &nf) && nf.Hint == "devarch wires shop"
		}},
		{"several wires", "web", "", func(err error) bool {
			fe := AsFieldErrors(err)
			return len(fe) == 1 && fe[0].Field == "import" && strings.Contains(fe[0].Rule, "web.db, web.cache")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(st.Wires)
			if err := RemoveWire(&st, tc.consumer, tc.imp); !tc.check(err) {
				t.Errorf("err = %v", err)
			}
			if !slices.Equal(st.Wires, before) {
				t.Errorf("a refused removal changed the wires: %+v", st.Wires)
			}
		})
	}
	if err := RemoveWire(&st, "web", "cache"); err != nil {
		t.Fatal(err)
	}
	if want := []Wire{{Consumer: "web", Import: "db", Provider: "db2"}}; !slices.Equal(st.Wires, want) {
		t.Errorf("wires = %+v, want %+v", st.Wires, want)
	}
}
