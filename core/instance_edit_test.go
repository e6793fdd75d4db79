package core

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// conflict returns err's ConflictError, or fails.
func conflict(t *testing.T, err error) *ConflictError {
	t.Helper()
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a conflict", err)
	}
	return ce
}

func TestAddInstance(t *testing.T) {
	tests := []struct {
		name  string
		inst  Instance
		check func(*testing.T, error)
	}{
		{name: "added", inst: inst("cache", "redis"), check: func(t *testing.T, err error) {
			if err != nil {
				t.Fatal(err)
			}
		}},
		{name: "name taken", inst: inst("db", "redis"), check: func(t *testing.T, err error) {
			if ce := conflict(t, err); ce.Msg != `stack "shop" already has an instance "db"` {
				t.Errorf("msg = %q", ce.Msg)
			}
		}},
		{name: "bad name", inst: inst("Bad_Name", "redis"), check: func(t *testing.T, err error) {
			if AsFieldErrors(err) == nil {
				t.Errorf("err = %v, want a field error", err)
			}
		}},
		{name: "no template", inst: inst("x", ""), check: func(t *testing.T, err error) {
			if fe := AsFieldErrors(err); len(fe) != 1 || fe[0].Field != "template" || fe[0].Rule != "is required" {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "unknown template", inst: inst("x", "nope"), check: func(t *testing.T, err error) {
			if fe := AsFieldErrors(err); len(fe) != 1 || fe[0].Rule != `unknown template "nope"` {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "a second provider makes web.db ambiguous", inst: inst("db2", "postgres"), check: func(t *testing.T, err error) {
			ce := conflict(t, err)
			if ce.Msg != "adding instance db2 would break the wiring of stack shop" || ce.Hint != WireFirstHint || len(ce.Diagnostics) == 0 {
				t.Errorf("conflict = %+v", ce)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: []Instance{inst("db", "postgres"), inst("web", "web")}}
			tc.check(t, AddInstance(&st, wiringTemplates(), tc.inst))
		})
	}
}

func TestEditInstance(t *testing.T) {
	disable := func(inst *Instance, _ Template) error { inst.Enabled = false; return nil }
	tests := []struct {
		name     string
		instance string
		fn       func(*Instance, Template) error
		err      string // in the error; "" for none
		warn     string // in the first warning; "" for none
	}{
		{name: "an env change leaves wiring alone", instance: "db",
			fn: func(inst *Instance, _ Template) error {
				inst.Overrides.Env = map[string]EnvVar{"X": {Value: "1"}}
				return nil
			}},
		{name: "disabling the only provider", instance: "db", fn: disable,
			err: "disabling instance db would break the wiring of stack shop"},
		{name: "disabling an optional provider warns", instance: "cache", fn: disable, warn: "cache"},
		{name: "fn's error", instance: "db", fn: func(*Instance, Template) error { return Errf("image", "bad") }, err: "image: bad"},
		{name: "missing instance", instance: "nope", fn: disable, err: `stack "shop" has no instance "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Stack{Name: "shop", Instances: []Instance{inst("cache", "redis"), inst("db", "postgres"), inst("web", "web")}}
			got, warns, err := EditInstance(&st, wiringTemplates(), tc.instance, "changed", tc.fn)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.instance {
				t.Errorf("instance = %q", got.Name)
			}
			if tc.warn == "" && len(warns) > 0 || tc.warn != "" && (len(warns) == 0 || !strings.Contains(warns[0].Error(), tc.warn)) {
				t.Errorf("warnings = %v, want %q", warns, tc.warn)
			}
		})
	}
}

func TestRemoveInstance(t *testing.T) {
	base := func() Stack {
		return Stack{Name: "shop", Instances: []Instance{inst("cache", "redis"), inst("db", "postgres"), inst("web", "web")},
			Wires: []Wire{wire("web", "cache", "cache")}}
	}
	t.Run("an optional provider with an explicit wire", func(t *testing.T) {
		st := base()
		warns, err := RemoveInstance(&st, wiringTemplates(), "cache")
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) == 0 || !strings.Contains(warns[0].Message, "explicit wire web.cache -> cache is removed with instance cache") {
			t.Errorf("warnings = %v", warns)
		}
		if len(st.Wires) != 0 || len(st.Instances) != 2 {
			t.Errorf("stack = %+v", st)
		}
	})
	t.Run("the only provider of a required import", func(t *testing.T) {
		st := base()
		_, err := RemoveInstance(&st, wiringTemplates(), "db")
		if ce := conflict(t, err); ce.Hint != ProvideFirstHint("shop") {
			t.Errorf("hint = %q", ce.Hint)
		}
	})
	t.Run("missing", func(t *testing.T) {
		st := base()
		var nf *NotFoundError
		if _, err := RemoveInstance(&st, wiringTemplates(), "nope"); !errors.As(err, &nf) {
			t.Errorf("err = %v", err)
		}
	})
}

// volumeTemplates are the wiring templates plus pg, a postgres with a
// named volume (scoped to the instance) and a host path.
func volumeTemplates() map[string]Template {
	tpls := wiringTemplates()
	pg := tpls["postgres"]
	pg.Name = "pg"
	pg.Volumes = []Volume{{Source: "data", Target: "/var/lib/postgresql/data"}, {Source: "./init", Target: "/init"}}
	tpls["pg"] = pg
	return tpls
}

func TestRenameInstance(t *testing.T) {
	st := Stack{Name: "shop", Instances: []Instance{inst("db", "pg"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}}
	got, kept, err := RenameInstance(&st, volumeTemplates(), "db", "main")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "main" || !slices.Equal(kept, []string{"db-data"}) {
		t.Errorf("renamed %q, kept %v", got.Name, kept)
	}
	if want := []Volume{{Source: "db-data", Target: "/var/lib/postgresql/data"}, {Source: "./init", Target: "/init"}}; got.Overrides.Volumes == nil || !slices.Equal(*got.Overrides.Volumes, want) {
		t.Errorf("volumes = %v, want the old scoped volume pinned", got.Overrides.Volumes)
	}
	if !slices.Equal(st.Wires, []Wire{wire("web", "db", "main")}) {
		t.Errorf("wires = %+v", st.Wires)
	}
	if _, _, err := RenameInstance(&st, volumeTemplates(), "main", "web"); err == nil {
		t.Error("rename onto a taken name accepted")
	}
}

func TestDuplicateInstance(t *testing.T) {
	tests := []struct {
		name    string
		vols    *[]Volume // the source's volumes override
		src     string
		dst     string
		renamed map[string]string
		err     string
	}{
		{name: "template volumes are scoped by Merge", src: "db", dst: "db2"},
		{name: "the source's scoped volume", vols: &[]Volume{{Source: "db-data", Target: "/var/lib/postgresql/data"}, {Source: "/srv/x", Target: "/x"}},
			src: "db", dst: "db2", renamed: map[string]string{"db-data": "db2-data"}},
		{name: "a volume kept by a rename", vols: &[]Volume{{Source: "old-data", Target: "/var/lib/postgresql/data"}},
			src: "db", dst: "db2", renamed: map[string]string{"old-data": "db2-data"}},
		{name: "duplicating back under the old name", vols: &[]Volume{{Source: "old-data", Target: "/var/lib/postgresql/data"}},
			src: "db", dst: "old", err: "a copy never shares its source's data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := inst("db", "pg")
			db.Overrides.Volumes = tc.vols
			st := Stack{Name: "shop", Instances: []Instance{db, inst("report", "report")},
				Wires: []Wire{wire("report", "main", "db"), wire("report", "audit", "db")}}
			dup, renamed, err := DuplicateInstance(&st, volumeTemplates(), tc.src, tc.dst)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(renamed, tc.renamed) || dup.Name != tc.dst {
				t.Errorf("dup %q renamed %v, want %v", dup.Name, renamed, tc.renamed)
			}
			if tc.vols != nil && (*tc.vols)[0].Source == (*dup.Overrides.Volumes)[0].Source {
				t.Errorf("the copy shares volume %s", (*dup.Overrides.Volumes)[0].Source)
			}
			if src, _ := st.Instance(tc.src); tc.vols != nil && !slices.Equal(*src.Overrides.Volumes, *tc.vols) {
				t.Errorf("the source's volumes changed: %v", *src.Overrides.Volumes)
			}
		})
	}
	t.Run("the copy consumes what its source does", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{inst("db", "pg"), inst("r", "report")},
			Wires: []Wire{wire("r", "main", "db"), wire("r", "audit", "db")}}
		if _, _, err := DuplicateInstance(&st, volumeTemplates(), "r", "r2"); err != nil {
			t.Fatal(err)
		}
		want := []Wire{wire("r", "audit", "db"), wire("r", "main", "db"), wire("r2", "audit", "db"), wire("r2", "main", "db")} // sorted by the guard
		if !slices.Equal(st.Wires, want) {
			t.Errorf("wires = %+v", st.Wires)
		}
	})
	t.Run("a second provider that makes an import ambiguous", func(t *testing.T) {
		st := Stack{Name: "shop", Instances: []Instance{inst("db", "pg"), inst("web", "web")}}
		_, _, err := DuplicateInstance(&st, volumeTemplates(), "db", "db2")
		if ce := conflict(t, err); ce.Msg != "duplicating instance db as db2 would break the wiring of stack shop" {
			t.Errorf("msg = %q", ce.Msg)
		}
	})
}
