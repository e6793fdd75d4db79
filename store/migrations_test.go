package store

import (
	"bytes"
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
		for _, b := range append([]string{bucketMeta}, recordBuckets...) {
			if btx.Bucket([]byte(b)) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		if btx.Bucket([]byte(bucketEvents)) != nil {
			t.Error("events bucket exists at version 1")
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
	// A stack stored at version 1 survives the migration.
	withDB(t, path, func(btx *bolt.Tx) error { return (&Tx{btx: btx, key: k}).PutStack(sampleStack()) })
	s, err := Open(path, k)
	if err != nil {
		t.Fatalf("open v1 database: %v", err)
	}
	defer s.Close()
	if s.SchemaVersion() != 2 {
		t.Errorf("schema version %d", s.SchemaVersion())
	}
	err = s.Update(func(tx *Tx) error {
		if v, _ := schemaVersion(tx.btx); v != 2 {
			t.Errorf("stored version %d", v)
		}
		if tx.btx.Bucket([]byte(bucketEvents)) == nil {
			t.Error("events bucket missing")
		}
		if _, err := tx.GetStack("quokkashop"); err != nil {
			t.Errorf("stack lost: %v", err)
		}
		return tx.AppendEvent("j1", sampleEvent("hello"))
	})
	if err != nil {
		t.Fatal(err)
	}
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
	for _, want := range []string{"schema version 3", "newer", "supports (2)", "upgrade devarch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("database changed")
	}
}
