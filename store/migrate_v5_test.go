package store

import (
	"reflect"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// TestMigration5SetsOneRecordPerMember: a schema 4 database, whose
// joiners and template users are one record per set listing every member,
// opens as schema 5 with the same members, each its own record, and none
// of the old records left.
func TestMigration5SetsOneRecordPerMember(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, 3, k)
	withDB(t, path, func(btx *bolt.Tx) error {
		tx := &Tx{btx: btx, key: k}
		if err := tx.Put(bucketTemplates, "web", webTemplate(8080)); err != nil {
			return err
		}
		for _, st := range []core.Stack{indexStack("alpha"), indexStack("beta", "alpha"), indexStack("gamma", "alpha")} {
			if err := tx.Put(bucketStacks, st.Name, st); err != nil {
				return err
			}
		}
		if err := migrate(tx, 4); err != nil {
			return err
		}
		// The sets as schema 4 wrote them: one record per set.
		for _, b := range setBuckets {
			if _, err := recreate(btx, b); err != nil {
				return err
			}
		}
		old := []struct {
			bucket, name string
			members      []string
		}{
			{bucketJoiners, "alpha", []string{"beta", "gamma"}},
			{bucketTemplateUsers, "web", []string{"alpha", "beta", "gamma"}},
			{bucketTemplateUsers, "redis", []string{"alpha", "beta", "gamma"}},
		}
		for _, o := range old {
			if err := tx.Put(o.bucket, o.name, o.members); err != nil {
				return err
			}
		}
		// Schema 4's index of container names.
		if _, err := btx.CreateBucketIfNotExists([]byte(bucketContainersV4)); err != nil {
			return err
		}
		return tx.Put(bucketContainersV4, "devarch-alpha-web", []ContainerOwner{{Stack: "alpha", Instance: "web"}})
	})
	s, err := Open(path, k)
	if err != nil {
		t.Fatalf("open v4 database: %v", err)
	}
	defer s.Close()
	if s.SchemaVersion() != 5 {
		t.Fatalf("schema version %d, want 5", s.SchemaVersion())
	}
	err = s.View(func(tx *Tx) error {
		for _, c := range []struct {
			name string
			read func(string) ([]string, error)
			want []string
		}{
			{"alpha", tx.Joiners, []string{"beta", "gamma"}},
			{"web", tx.TemplateUsers, []string{"alpha", "beta", "gamma"}},
			{"redis", tx.TemplateUsers, nil}, // built in: its users are not tracked
			{"beta", tx.Joiners, nil},
		} {
			if got, err := c.read(c.name); err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("members of %s = %v, %v; want %v", c.name, got, err, c.want)
			}
		}
		for _, b := range setBuckets {
			bk, err := tx.bucket(b)
			if err != nil {
				return err
			}
			err = bk.ForEach(func(key, v []byte) error {
				if v != nil {
					t.Errorf("%s holds a record of schema 4 (%x)", b, key)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if tx.btx.Bucket([]byte(bucketContainersV4)) != nil {
			t.Errorf("bucket %s of schema 4 is still there", bucketContainersV4)
		}
		if owners, err := tx.ContainerOwners("devarch-alpha-web"); err != nil || len(owners) != 1 || owners[0] != (ContainerOwner{"alpha", "web"}) {
			t.Errorf("owners of devarch-alpha-web = %+v, %v", owners, err)
		}
		sb := tx.btx.Bucket([]byte(bucketTemplateUsers)).Bucket(secrets.Blind(k, bucketTemplateUsers, "web"))
		if sb == nil || sb.Stats().KeyN != 3 {
			t.Errorf("users of web are not one record each: %v", sb)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndexRebuilds(t, s)
}
