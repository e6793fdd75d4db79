package store

import (
	"reflect"
	"testing"

	"github.com/devarch-dev/devarch/core"
)

// TestTemplateUsersLifecycle: template_users tracks the user templates a
// stack names, whether or not they exist yet, so that creating, replacing
// or deleting one re-indexes the host ports of the stacks naming it; a
// user template under a built-in name is shadowed (the stacks use the
// built-in) and tracks no one. After every step the index kept by the
// writes equals one rebuilt from the records.
func TestTemplateUsersLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	update := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, port int, wantClaims []PortClaim, tpl string, wantUsers []string) {
		t.Helper()
		err := s.View(func(tx *Tx) error {
			claims, err := tx.PortClaims(port, "tcp")
			if err != nil {
				return err
			}
			if len(claims) == 0 {
				claims = nil
			}
			if !reflect.DeepEqual(claims, wantClaims) {
				t.Errorf("%s: claims on %d = %+v, want %+v", step, port, claims, wantClaims)
			}
			users, err := tx.TemplateUsers(tpl)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(users, wantUsers) {
				t.Errorf("%s: users of %s = %v, want %v", step, tpl, users, wantUsers)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checkIndexRebuilds(t, s)
	}
	later := func(port int) core.Template {
		return core.Template{Name: "later", Image: "example/later:1", Ports: []core.Port{{Host: port, Container: 80}}}
	}
	claim := func(stack string, port int) []PortClaim {
		return []PortClaim{{Stack: stack, Instance: "x", Host: port, Protocol: "tcp"}}
	}

	update(func(tx *Tx) error {
		return tx.PutStack(core.Stack{Name: "a", Lineage: "lin-a", Serial: 1,
			Instances: []core.Instance{{Name: "x", Template: "later", Enabled: true}}})
	})
	check("stack naming a template not there yet", 9101, nil, "later", []string{"a"})

	update(func(tx *Tx) error { return tx.PutTemplate(later(9101)) })
	check("template created", 9101, claim("a", 9101), "later", []string{"a"})

	update(func(tx *Tx) error { return tx.PutTemplate(later(9102)) })
	check("template replaced, old port", 9101, nil, "later", []string{"a"})
	check("template replaced, new port", 9102, claim("a", 9102), "later", []string{"a"})

	update(func(tx *Tx) error { return tx.DeleteTemplate("later") })
	check("template deleted", 9102, nil, "later", []string{"a"})

	// redis is built in: a user template of that name is shadowed.
	update(func(tx *Tx) error {
		if err := tx.PutStack(core.Stack{Name: "b", Lineage: "lin-b", Serial: 1,
			Instances: []core.Instance{{Name: "x", Template: "redis", Enabled: true}}}); err != nil {
			return err
		}
		return tx.PutTemplate(core.Template{Name: "redis", Image: "example/redis:1", Ports: []core.Port{{Host: 9103, Container: 6379}}})
	})
	check("user template under a built-in name", 9103, nil, "redis", nil)
	update(func(tx *Tx) error { return tx.DeleteTemplate("redis") })
	check("user template under a built-in name deleted", 9103, nil, "redis", nil)

	update(func(tx *Tx) error { return tx.DeleteStack("a") })
	check("stack removed", 9102, nil, "later", nil)
}

// TestMigrationsFromV2KeepIndex: the schema 2 fixture, taken through every
// migration, has the index a rebuild from its records gives, and its
// container names are found from the stacks' index records.
func TestMigrationsFromV2KeepIndex(t *testing.T) {
	s, err := OpenWithKeyFile(v2Home(t))
	if err != nil {
		t.Fatalf("open v2 database: %v", err)
	}
	defer s.Close()
	idx := checkIndexRebuilds(t, s)
	for _, k := range []string{"stack_index/shop", "stack_index/legacy", "template_users/webapp"} {
		if _, ok := idx[k]; !ok {
			t.Errorf("migrated index lacks %s: %v", k, idx)
		}
	}
	err = s.View(func(tx *Tx) error {
		got, err := tx.ContainerOwners("devarch-shop-db")
		if err != nil || !reflect.DeepEqual(got, []ContainerOwner{{"shop", "db"}}) {
			t.Errorf("owners of devarch-shop-db = %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
