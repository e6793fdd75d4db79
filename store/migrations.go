package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration moves the schema from version-1 to version.
type migration struct {
	version int
	name    string
	fn      func(tx *Tx) error
}

// migrations are applied in order; each one's version is its index + 1.
// Append only: a released migration is never changed.
var migrations = []migration{
	{1, "create record buckets and key check", migrateCreate},
	{2, "add job event log", migrateEvents},
	{3, "runtime bindings beside applied snapshots, runtime kinds in saved plans, template secrecy in overrides", migrateV3},
	{4, "cross-stack index: host ports, container names, join graph, stack summaries", migrateIndex},
	{5, "joiners and template users: one record per member; container names no longer indexed", migrateSets},
}

// v1Buckets are the buckets migration 1 creates; later buckets come with
// the migration that adds them.
var v1Buckets = []string{bucketMeta, bucketStacks, bucketTemplates, bucketApplied, bucketPlans, bucketJobs}

func migrateCreate(tx *Tx) error {
	for _, b := range v1Buckets {
		if _, err := tx.btx.CreateBucketIfNotExists([]byte(b)); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return tx.putKeyCheck()
}

func migrateEvents(tx *Tx) error {
	if _, err := tx.btx.CreateBucketIfNotExists([]byte(bucketEvents)); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketEvents, err)
	}
	return nil
}

// schemaVersion reads the stored schema version; 0 for a new database.
func schemaVersion(btx *bolt.Tx) (int, error) {
	meta := btx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return 0, nil
	}
	v := meta.Get([]byte(keySchemaVersion))
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version record is %d bytes, want 8: database damaged", len(v))
	}
	return int(binary.BigEndian.Uint64(v)), nil
}

func setSchemaVersion(btx *bolt.Tx, v int) error {
	meta := btx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return fmt.Errorf("bucket %s missing", bucketMeta)
	}
	return meta.Put([]byte(keySchemaVersion), binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// migrate applies every migration above the stored version up to target,
// recording the version after each.
func migrate(tx *Tx, target int) error {
	cur, err := schemaVersion(tx.btx)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if m.version <= cur || m.version > target {
			continue
		}
		if err := m.fn(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if err := setSchemaVersion(tx.btx, m.version); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// migrateIndex creates the buckets of the cross-stack index and builds it
// from the stacks, applied snapshots and bindings (index.go).
func migrateIndex(tx *Tx) error {
	for _, b := range indexBuckets {
		if _, err := tx.btx.CreateBucketIfNotExists([]byte(b)); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return rebuildIndex(tx)
}
