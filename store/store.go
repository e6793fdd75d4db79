// Package store keeps devarch's state in bbolt, every record sealed with AES-256-GCM.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// File names under a devarch home.
const (
	DBFile      = "devarch.db"
	KeyFile     = "secret.key"
	NextKeyFile = "secret.key.next" // a rotation's new key until it is installed
)

// lockTimeout is how long Open waits for another process's file lock.
const lockTimeout = time.Second

var (
	// ErrNotFound is wrapped by every error about a missing record.
	ErrNotFound = errors.New("not found")
	// ErrWrongKey means the key does not open the database's records.
	ErrWrongKey = errors.New("wrong key: the database was sealed with a different key than this key file holds; restore the key file the database was created with")
	// ErrLocked means another process holds the database open.
	ErrLocked = errors.New("database is locked")
)

// IsNotFound reports whether err is about a missing record.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsLocked reports whether err means another process (another devarch
// daemon) holds the database.
func IsLocked(err error) bool { return errors.Is(err, ErrLocked) }

type lockedError struct {
	path string
	err  error
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("another devarch daemon is using %s: %s is locked (%v waiting for it: %v)",
		filepath.Dir(e.path), e.path, lockTimeout, e.err)
}

func (e *lockedError) Unwrap() []error { return []error{ErrLocked, e.err} }

// Store is an open devarch database.
type Store struct {
	db      *bolt.DB
	path    string
	version int

	mu  sync.RWMutex // guards key against a rotation committing
	key secrets.Key

	rotating sync.Mutex // held by the one rotation that runs (rotate.go)

	commits atomic.Uint64 // write transactions committed by Update
}

// Open opens (creating if needed) the database at path with key, and
// migrates it to SchemaVersion. A wrong key, or a database newer than this
// binary, is an error before anything is written.
func Open(path string, key secrets.Key) (*Store, error) {
	db, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	s, err := attach(db, path, key)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openBolt(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &lockedError{path: path, err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// attach checks key against db, then runs pending migrations.
func attach(db *bolt.DB, path string, key secrets.Key) (*Store, error) {
	var version int
	err := db.View(func(btx *bolt.Tx) error {
		var err error
		if version, err = schemaVersion(btx); err != nil {
			return err
		}
		if version > SchemaVersion {
			return fmt.Errorf("database %s has schema version %d, newer than this devarch supports (%d): upgrade devarch", path, version, SchemaVersion)
		}
		if version == 0 {
			return nil
		}
		return (&Tx{btx: btx, key: key}).checkKey()
	})
	if err != nil {
		return nil, err
	}
	if version < SchemaVersion {
		err = db.Update(func(btx *bolt.Tx) error { return migrate(&Tx{btx: btx, key: key}, SchemaVersion) })
		if err != nil {
			return nil, fmt.Errorf("migrate database %s from schema %d to %d: %w", path, version, SchemaVersion, err)
		}
	}
	if err := refreshIndex(db, key); err != nil {
		return nil, fmt.Errorf("rebuild the index of database %s: %w", path, err)
	}
	return &Store{db: db, path: path, version: SchemaVersion, key: key}, nil
}

// refreshIndex rebuilds the cross-stack index when it was built with
// another built-in catalog (another devarch binary): the host ports of
// stacks using a built-in template may have changed with it.
func refreshIndex(db *bolt.DB, key secrets.Key) error {
	var current bool
	err := db.View(func(btx *bolt.Tx) error {
		var err error
		current, err = (&Tx{btx: btx, key: key}).indexCurrent()
		return err
	})
	if err != nil || current {
		return err
	}
	return db.Update(func(btx *bolt.Tx) error { return rebuildIndex(&Tx{btx: btx, key: key}) })
}

// OpenWithKeyFile opens home/devarch.db with the key in home/secret.key,
// creating both (home 0700, key 0600) on first run. It first finishes or
// undoes a rotation that stopped half-way: a leftover secret.key.next that
// opens the database replaces secret.key, otherwise it is removed.
func OpenWithKeyFile(home string) (*Store, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("create devarch home: %w", err)
	}
	dbPath, keyPath := filepath.Join(home, DBFile), filepath.Join(home, KeyFile)
	// A key file that exists must be acceptable before anything is touched.
	if _, err := os.Lstat(keyPath); err == nil {
		if _, err := secrets.LoadKey(keyPath); err != nil {
			return nil, err
		}
	}
	_, statErr := os.Stat(dbPath)
	dbExisted := statErr == nil
	db, err := openBolt(dbPath)
	if err != nil {
		return nil, err
	}
	s, err := openHome(db, home, dbExisted)
	if err != nil {
		if !dbExisted {
			os.Remove(dbPath)
		}
		db.Close()
		return nil, err
	}
	return s, nil
}

func openHome(db *bolt.DB, home string, dbExisted bool) (*Store, error) {
	dbPath, keyPath := filepath.Join(home, DBFile), filepath.Join(home, KeyFile)
	if err := recoverRotation(db, home); err != nil {
		return nil, err
	}
	var key secrets.Key
	var err error
	if dbExisted && hasKeyCheck(db) {
		// Never mint a new key for a database sealed with an existing one.
		key, err = secrets.LoadKey(keyPath)
	} else {
		key, _, err = secrets.LoadOrCreateKey(keyPath)
	}
	if err != nil {
		return nil, err
	}
	s, err := attach(db, dbPath, key)
	if errors.Is(err, ErrWrongKey) {
		return nil, fmt.Errorf("%s does not open %s: %w", keyPath, dbPath, err)
	}
	return s, err
}

func hasKeyCheck(db *bolt.DB) bool {
	found := false
	_ = db.View(func(btx *bolt.Tx) error {
		if meta := btx.Bucket([]byte(bucketMeta)); meta != nil {
			found = meta.Get([]byte(keyKeyCheck)) != nil
		}
		return nil
	})
	return found
}

// recoverRotation installs or removes a leftover secret.key.next. The
// rotation committed exactly when the database's key check opens with it.
func recoverRotation(db *bolt.DB, home string) error {
	removeKeyTemps(home)
	next, cur := filepath.Join(home, NextKeyFile), filepath.Join(home, KeyFile)
	if _, err := os.Lstat(next); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	nk, err := secrets.LoadKey(next)
	committed := false
	if err == nil {
		err = db.View(func(btx *bolt.Tx) error {
			if v, _ := schemaVersion(btx); v == 0 {
				return nil
			}
			committed = (&Tx{btx: btx, key: nk}).checkKey() == nil
			return nil
		})
		if err != nil {
			return err
		}
	}
	if committed {
		if err := secrets.ReplaceKeyFile(next, cur); err != nil {
			return fmt.Errorf("finish interrupted key rotation: %w", err)
		}
		return nil
	}
	if err := os.Remove(next); err != nil {
		return fmt.Errorf("remove key of an interrupted rotation: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version of the open database.
func (s *Store) SchemaVersion() int { return s.version }

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	s.mu.RLock()
	key := s.key
	btx, err := s.db.Begin(false)
	s.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer btx.Rollback()
	return fn(&Tx{btx: btx, key: key})
}

// Update runs fn in a read-write transaction, committed when fn returns nil
// and rolled back otherwise.
func (s *Store) Update(fn func(*Tx) error) error {
	btx, err := s.db.Begin(true)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	defer btx.Rollback()
	// The writer lock is held: no rotation can change the key now.
	s.mu.RLock()
	key := s.key
	s.mu.RUnlock()
	if err := fn(&Tx{btx: btx, key: key}); err != nil {
		return err
	}
	if err := btx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.commits.Add(1)
	return nil
}

// Commits is how many write transactions Update has committed since Open:
// each is one synced write of the database file.
func (s *Store) Commits() uint64 { return s.commits.Load() }
