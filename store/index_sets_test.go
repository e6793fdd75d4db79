package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
)

// setRecords counts the records a set bucket holds directly and under the
// set of name.
func setRecords(t *testing.T, tx *Tx, bucket, name string) (top, members int) {
	t.Helper()
	b, err := tx.bucket(bucket)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.ForEach(func(_, v []byte) error {
		if v != nil {
			top++
		}
		return nil
	})
	if sb := b.Bucket(secrets.Blind(tx.key, bucket, name)); sb != nil {
		members = sb.Stats().KeyN
	}
	return top, members
}

// TestSetMembersOneRecordEach: every stack naming a template, or joining a
// stack, is its own record in the set's bucket; the last one out removes
// the set.
func TestSetMembersOneRecordEach(t *testing.T) {
	s, _ := openTemp(t)
	var names []string
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutTemplate(webTemplate(8080)); err != nil {
			return err
		}
		for i := range 50 {
			st := indexStack(fmt.Sprintf("s%02d", i), "hub")
			st.Instances = st.Instances[:1]
			names = append(names, st.Name)
			if err := tx.PutStack(st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndexRebuilds(t, s)
	_ = s.View(func(tx *Tx) error {
		for _, c := range []struct {
			bucket, name string
			read         func(string) ([]string, error)
		}{{bucketTemplateUsers, "web", tx.TemplateUsers}, {bucketJoiners, "hub", tx.Joiners}} {
			t.Run(c.bucket, func(t *testing.T) {
				if got, err := c.read(c.name); err != nil || !reflect.DeepEqual(got, names) {
					t.Errorf("members of %s = %v, %v; want %v", c.name, got, err, names)
				}
				if top, members := setRecords(t, tx, c.bucket, c.name); top != 0 || members != len(names) {
					t.Errorf("%d records beside the sets, %d members of %s; want 0 and %d", top, members, c.name, len(names))
				}
				if got, err := c.read("nobody"); err != nil || len(got) != 0 {
					t.Errorf("members of a set without any = %v, %v", got, err)
				}
			})
		}
		return nil
	})
	err = s.Update(func(tx *Tx) error {
		for _, n := range names[1:] {
			if err := tx.DeleteStack(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if got, err := tx.TemplateUsers("web"); err != nil || !reflect.DeepEqual(got, names[:1]) {
			t.Errorf("users of web = %v, %v; want %v", got, err, names[:1])
		}
		if _, members := setRecords(t, tx, bucketJoiners, "hub"); members != 1 {
			t.Errorf("joiners of hub hold %d records, want 1", members)
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.DeleteStack(names[0]) }); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		for _, b := range setBuckets {
			if n := tx.btx.Bucket([]byte(b)).Stats().BucketN; n != 1 {
				t.Errorf("%s holds %d buckets once every stack is gone, want itself only", b, n-1)
			}
		}
		return nil
	})
}

// TestSetMemberMovedFailsToOpen: a member record copied into another set,
// or under another member's key, does not open.
func TestSetMemberMovedFailsToOpen(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutStack(core.Stack{Name: "a", JoinNetworks: []string{"hub"}}); err != nil {
			return err
		}
		return tx.PutStack(core.Stack{Name: "b", JoinNetworks: []string{"other"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		b, _ := tx.bucket(bucketJoiners)
		hub := b.Bucket(secrets.Blind(tx.key, bucketJoiners, "hub"))
		other := b.Bucket(secrets.Blind(tx.key, bucketJoiners, "other"))
		ak := secrets.Blind(tx.key, setPath(bucketJoiners, secrets.Blind(tx.key, bucketJoiners, "hub")), "a")
		sealed := slices.Clone(hub.Get(ak))
		if err := other.Put(ak, sealed); err != nil {
			return err
		}
		if _, err := tx.Joiners("other"); !errors.Is(err, secrets.ErrDecrypt) {
			t.Errorf("member copied into another set: err = %v, want ErrDecrypt", err)
		}
		if err := other.Delete(ak); err != nil {
			return err
		}
		bk := secrets.Blind(tx.key, setPath(bucketJoiners, secrets.Blind(tx.key, bucketJoiners, "hub")), "b")
		if err := hub.Put(bk, sealed); err != nil {
			return err
		}
		if _, err := tx.Joiners("hub"); !errors.Is(err, secrets.ErrDecrypt) {
			t.Errorf("member copied under another name: err = %v, want ErrDecrypt", err)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatal(err)
	}
}

// TestRotateResealsSets: after rotation the sets open under the new key
// only, with the same members.
func TestRotateResealsSets(t *testing.T) {
	home, s := seededHome(t)
	err := s.Update(func(tx *Tx) error {
		for _, st := range []core.Stack{{Name: "a", JoinNetworks: []string{"hub"}}, {Name: "b", JoinNetworks: []string{"hub"}}} {
			if err := tx.PutStack(st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var before map[string]string
	_ = s.View(func(tx *Tx) error { before = dumpIndex(t, tx); return nil })
	if _, err := s.Rotate(home); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if after := dumpIndex(t, tx); !reflect.DeepEqual(after, before) {
			t.Errorf("index after rotation = %v\nbefore %v", after, before)
		}
		if j, err := tx.Joiners("hub"); err != nil || !reflect.DeepEqual(j, []string{"a", "b"}) {
			t.Errorf("joiners of hub = %v, %v", j, err)
		}
		return nil
	})
	checkIndexRebuilds(t, s)
}
