package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// dbAt creates a database migrated to version v only.
func dbAt(t *testing.T, v int, k secrets.Key) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), DBFile)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(btx *bolt.Tx) error { return migrate(&Tx{btx: btx, key: k}, v) }); err != nil {
		t.Fatalf("migrate to %d: %v", v, err)
	}
	return path
}

func withDB(t *testing.T, path string, fn func(btx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 || m.name == "" || m.fn == nil {
			t.Errorf("migration %d: version %d name %q", i, m.version, m.name)
		}
	}
	if last := migrations[len(migrations)-1].version; last != SchemaVersion {
		t.Errorf("last migration %d, SchemaVersion %d", last, SchemaVersion)
	}
}

func TestMigration1CreatesBucketsAndKeyCheck(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, 0, k)
	withDB(t, path, func(btx *bolt.Tx) error {
		if v, err := schemaVersion(btx); err != nil || v != 0 {
			t.Fatalf("start version %d, %v", v, err)
		}
		if err := migrate(&Tx{btx: btx, key: k}, 1); err != nil {
			return err
		}
		if v, err := schemaVersion(btx); err != nil || v != 1 {
			t.Errorf("version %d, %v; want 1", v, err)
		}
		for _, b := range []string{bucketMeta, bucketStacks, bucketTemplates, bucketApplied, bucketPlans, bucketJobs} {
			if btx.Bucket([]byte(b)) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		for _, b := range []string{bucketEvents, bucketBindings} {
			if btx.Bucket([]byte(b)) != nil {
				t.Errorf("bucket %s exists at version 1", b)
			}
		}
		if err := (&Tx{btx: btx, key: k}).checkKey(); err != nil {
			t.Errorf("key check with the key: %v", err)
		}
		if err := (&Tx{btx: btx, key: newKey(t)}).checkKey(); err != ErrWrongKey {
			t.Errorf("key check with another key: %v", err)
		}
		return nil
	})
}

func TestMigration2AddsEvents(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, 1, k)
	// A stack stored at version 1 (the record only: the index comes with
	// version 4) survives the migration.
	withDB(t, path, func(btx *bolt.Tx) error {
		return (&Tx{btx: btx, key: k}).Put(bucketStacks, "quokkashop", sampleStack())
	})
	withDB(t, path, func(btx *bolt.Tx) error {
		tx := &Tx{btx: btx, key: k}
		if err := migrate(tx, 2); err != nil {
			return err
		}
		if v, _ := schemaVersion(btx); v != 2 {
			t.Errorf("stored version %d", v)
		}
		if btx.Bucket([]byte(bucketEvents)) == nil {
			t.Error("events bucket missing")
		}
		if btx.Bucket([]byte(bucketBindings)) != nil {
			t.Error("bindings bucket exists at version 2")
		}
		if _, err := tx.GetStack("quokkashop"); err != nil {
			t.Errorf("stack lost: %v", err)
		}
		if err := tx.AppendEvent("j1", sampleEvent("hello")); err != nil {
			return err
		}
		if evs, err := tx.Events("j1"); err != nil || len(evs) != 1 || evs[0].Message != "hello" {
			t.Errorf("events = %+v, %v", evs, err)
		}
		return nil
	})
}

func TestMigrationNotRunWithWrongKey(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, 1, k)
	before := readFile(t, path)
	if _, err := Open(path, newKey(t)); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("database changed")
	}
}

func TestNewerDatabaseRefused(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, SchemaVersion, k)
	withDB(t, path, func(btx *bolt.Tx) error { return setSchemaVersion(btx, SchemaVersion+1) })
	before := readFile(t, path)
	_, err := Open(path, k)
	if err == nil {
		t.Fatal("opened a newer database")
	}
	for _, want := range []string{fmt.Sprintf("schema version %d", SchemaVersion+1), "newer", fmt.Sprintf("supports (%d)", SchemaVersion), "upgrade devarch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("database changed")
	}
}
