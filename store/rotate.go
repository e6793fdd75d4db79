package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/internal/fsutil"
	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// Rotate re-seals every record under a new key in one transaction and
// installs the key as home/secret.key. It returns how many records it
// re-sealed.
//
// The new key is first written to secret.key.next (O_EXCL, 0600), then the
// records are re-sealed and committed, then secret.key.next is renamed over
// secret.key. A crash before the commit leaves the database under the old
// key; a crash after it leaves the new key in secret.key.next. Either way
// OpenWithKeyFile sees which key opens the database and installs or removes
// secret.key.next accordingly.
//
// Rotations are serialised: one that finds another running waits up to
// RotateWait for it, then fails with an error IsRotationRunning reports.
func (s *Store) Rotate(home string) (records int, err error) {
	if !tryLockFor(&s.rotating, RotateWait) {
		return 0, errRotationRunning
	}
	defer s.rotating.Unlock()
	next, cur := filepath.Join(home, NextKeyFile), filepath.Join(home, KeyFile)
	n, err := s.rotateCommit(home)
	if err != nil {
		return 0, err
	}
	if beforeInstall != nil {
		beforeInstall()
	}
	if err := secrets.ReplaceKeyFile(next, cur); err != nil {
		return n, fmt.Errorf("records re-sealed under the key in %s, but installing it as %s failed (the next daemon start installs it): %w", next, cur, err)
	}
	return n, nil
}

// RotateWait is how long a key rotation waits for one already running.
var RotateWait = 30 * time.Second

// beforeInstall, when set (by tests), runs between a rotation's commit and
// the install of its key file: the window another rotation once raced in.
var beforeInstall func()

var errRotationRunning = errors.New("a key rotation is already running")

// IsRotationRunning reports whether err is Rotate giving up on waiting for
// another rotation.
func IsRotationRunning(err error) bool { return errors.Is(err, errRotationRunning) }

// tryLockFor locks mu, waiting at most d; it reports whether it did.
func tryLockFor(mu *sync.Mutex, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if mu.TryLock() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}

// removeKeyTemps deletes the temporary key files of a key file write that
// stopped half-way (the daemon killed while it rotated or created the
// key): 32 key bytes that no one reads. secrets.WriteKeyFile writes through
// fsutil, so they bear the names fsutil.TempName gives. Only the process
// that holds the database's lock writes key files, so none of them is in
// use.
func removeKeyTemps(home string) {
	for _, name := range []string{KeyFile, NextKeyFile} {
		_ = fsutil.RemoveTemps(filepath.Join(home, name))
	}
}

// rotateCommit is Rotate up to and including the commit: the new key is in
// home/secret.key.next and the database is sealed with it.
func (s *Store) rotateCommit(home string) (int, error) {
	next, cur := filepath.Join(home, NextKeyFile), filepath.Join(home, KeyFile)
	btx, err := s.db.Begin(true)
	if err != nil {
		return 0, fmt.Errorf("begin rotation: %w", err)
	}
	defer btx.Rollback()
	s.mu.RLock()
	oldKey := s.key
	s.mu.RUnlock()

	// A leftover next key is either the current key, whose install an
	// earlier rotation did not finish, or garbage of a rotation that never
	// committed.
	if k, err := secrets.LoadKey(next); err == nil && k == oldKey {
		if err := secrets.ReplaceKeyFile(next, cur); err != nil {
			return 0, err
		}
	} else if err := os.Remove(next); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("remove stale %s: %w", next, err)
	}

	newKey, err := secrets.NewKey()
	if err != nil {
		return 0, err
	}
	if err := secrets.WriteKeyFile(next, newKey); err != nil {
		return 0, fmt.Errorf("write new key: %w", err)
	}
	n, err := reseal(btx, oldKey, newKey)
	if err != nil {
		os.Remove(next)
		return 0, fmt.Errorf("re-seal records: %w", err)
	}
	s.mu.Lock()
	err = btx.Commit()
	if err == nil {
		s.key = newKey
	}
	s.mu.Unlock()
	if err != nil {
		// secret.key.next stays: the next start keeps it only if the
		// database opens with it.
		return 0, fmt.Errorf("commit rotation: %w", err)
	}
	return n, nil
}

// reseal rewrites every record and the key check under newKey, and returns
// how many records (stacks, templates, ..., events) it rewrote.
func reseal(btx *bolt.Tx, oldKey, newKey secrets.Key) (int, error) {
	from, to := &Tx{btx: btx, key: oldKey}, &Tx{btx: btx, key: newKey}
	if err := from.checkKey(); err != nil {
		return 0, err
	}
	if err := to.putKeyCheck(); err != nil {
		return 0, err
	}
	n := 0
	for _, bucket := range recordBuckets {
		b, err := from.bucket(bucket)
		if err != nil {
			return n, err
		}
		var envs []envelope
		err = b.ForEach(func(k, sealed []byte) error {
			env, err := from.open(bucket, k, sealed)
			envs = append(envs, env)
			return err
		})
		if err != nil {
			return n, err
		}
		if b, err = recreate(btx, bucket); err != nil {
			return n, err
		}
		for _, env := range envs {
			k := secrets.Blind(newKey, bucket, env.Name)
			sealed, err := to.seal(bucket, k, env.Name, env.Value)
			if err != nil {
				return n, err
			}
			if err := b.Put(k, sealed); err != nil {
				return n, err
			}
			n++
		}
	}
	m, err := resealEvents(btx, from, to)
	if err != nil {
		return n + m, err
	}
	sets, err := resealSets(btx, from, to)
	return n + m + sets, err
}

type jobEvents struct {
	jobID string
	seq   uint64
	keys  [][]byte
	envs  []envelope
}

func resealEvents(btx *bolt.Tx, from, to *Tx) (int, error) {
	events, err := from.bucket(bucketEvents)
	if err != nil {
		return 0, err
	}
	var jobs []jobEvents
	err = events.ForEachBucket(func(jk []byte) error {
		jb := events.Bucket(jk)
		je := jobEvents{seq: jb.Sequence()}
		err := jb.ForEach(func(k, sealed []byte) error {
			env, err := from.open(eventPath(jk), k, sealed)
			if err != nil {
				return err
			}
			je.jobID = env.Name
			je.keys = append(je.keys, append([]byte(nil), k...))
			je.envs = append(je.envs, env)
			return nil
		})
		if err == nil && je.jobID != "" {
			jobs = append(jobs, je)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if events, err = recreate(btx, bucketEvents); err != nil {
		return 0, err
	}
	n := 0
	for _, je := range jobs {
		jk := secrets.Blind(to.key, bucketEvents, je.jobID)
		jb, err := events.CreateBucket(jk)
		if err != nil {
			return n, err
		}
		if err := jb.SetSequence(je.seq); err != nil {
			return n, err
		}
		for i, env := range je.envs {
			sealed, err := to.seal(eventPath(jk), je.keys[i], env.Name, env.Value)
			if err != nil {
				return n, err
			}
			if err := jb.Put(je.keys[i], sealed); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func recreate(btx *bolt.Tx, bucket string) (*bolt.Bucket, error) {
	if err := btx.DeleteBucket([]byte(bucket)); err != nil {
		return nil, fmt.Errorf("drop bucket %s: %w", bucket, err)
	}
	b, err := btx.CreateBucket([]byte(bucket))
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return b, nil
}
