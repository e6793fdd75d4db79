package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction over sealed records. Records are addressed by bucket
// and name; the name is stored only inside the sealed record (see schema.go).
type Tx struct {
	btx *bolt.Tx
	key secrets.Key
}

// envelope is the plaintext of a sealed record.
type envelope struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

func aad(bucketPath string, k []byte) []byte {
	return []byte(bucketPath + "/" + hex.EncodeToString(k))
}

func (tx *Tx) bucket(name string) (*bolt.Bucket, error) {
	b := tx.btx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("bucket %s missing: database damaged", name)
	}
	return b, nil
}

// plaintext is what a record named name holding v seals.
func plaintext(name string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(envelope{Name: name, Value: raw})
}

func (tx *Tx) seal(bucketPath string, k []byte, name string, v any) ([]byte, error) {
	pt, err := plaintext(name, v)
	if err != nil {
		return nil, fmt.Errorf("encode %s %q: %w", bucketPath, name, err)
	}
	return secrets.Seal(tx.key, pt, aad(bucketPath, k))
}

func (tx *Tx) open(bucketPath string, k, sealed []byte) (envelope, error) {
	var env envelope
	pt, err := secrets.Open(tx.key, sealed, aad(bucketPath, k))
	if err != nil {
		return env, fmt.Errorf("open record in %s: %w", bucketPath, err)
	}
	if err := json.Unmarshal(pt, &env); err != nil {
		return env, fmt.Errorf("decode record in %s: %w", bucketPath, err)
	}
	return env, nil
}

func notFound(bucket, name string) error {
	return fmt.Errorf("%s %q: %w", noun(bucket), name, ErrNotFound)
}

func noun(bucket string) string {
	switch bucket {
	case bucketApplied:
		return "applied snapshot of stack"
	case bucketBindings:
		return "runtime binding of stack"
	case bucketEvents:
		return "events of job"
	}
	return strings.TrimSuffix(bucket, "s")
}

// Get decodes the record name of bucket into v, or returns an error
// wrapping ErrNotFound.
func (tx *Tx) Get(bucket, name string, v any) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	k := secrets.Blind(tx.key, bucket, name)
	sealed := b.Get(k)
	if sealed == nil {
		return notFound(bucket, name)
	}
	env, err := tx.open(bucket, k, sealed)
	if err != nil {
		return err
	}
	if env.Name != name {
		return fmt.Errorf("%s %q: record holds %q: %w", noun(bucket), name, env.Name, secrets.ErrDecrypt)
	}
	if err := json.Unmarshal(env.Value, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", noun(bucket), name, err)
	}
	return nil
}

// Put stores v as the record name of bucket, sealed.
func (tx *Tx) Put(bucket, name string, v any) error {
	if name == "" {
		return fmt.Errorf("put %s: empty name", noun(bucket))
	}
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	k := secrets.Blind(tx.key, bucket, name)
	sealed, err := tx.seal(bucket, k, name, v)
	if err != nil {
		return err
	}
	return b.Put(k, sealed)
}

// Delete removes the record name of bucket; an error wrapping ErrNotFound
// when there is none.
func (tx *Tx) Delete(bucket, name string) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	k := secrets.Blind(tx.key, bucket, name)
	if b.Get(k) == nil {
		return notFound(bucket, name)
	}
	return b.Delete(k)
}

// ForEach calls fn with the name and JSON value of every record of bucket,
// sorted by name. fn must not modify the bucket.
func (tx *Tx) ForEach(bucket string, fn func(name string, value []byte) error) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	var envs []envelope
	err = b.ForEach(func(k, sealed []byte) error {
		if sealed == nil {
			return nil // nested bucket
		}
		env, err := tx.open(bucket, k, sealed)
		if err != nil {
			return err
		}
		envs = append(envs, env)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(envs, func(a, b envelope) int { return strings.Compare(a.Name, b.Name) })
	for _, env := range envs {
		if err := fn(env.Name, env.Value); err != nil {
			return err
		}
	}
	return nil
}

// Keys lists the record names of bucket, sorted.
func (tx *Tx) Keys(bucket string) ([]string, error) {
	var names []string
	err := tx.ForEach(bucket, func(name string, _ []byte) error {
		names = append(names, name)
		return nil
	})
	return names, err
}

// list decodes every record of bucket into a T, sorted by name.
func list[T any](tx *Tx, bucket string) ([]T, error) {
	var out []T
	err := tx.ForEach(bucket, func(name string, value []byte) error {
		var v T
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("decode %s %q: %w", noun(bucket), name, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// checkKey returns ErrWrongKey unless the key opens key_check.
func (tx *Tx) checkKey() error {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	sealed := meta.Get([]byte(keyKeyCheck))
	if sealed == nil {
		return fmt.Errorf("key check record missing: database damaged")
	}
	pt, err := secrets.Open(tx.key, sealed, []byte(bucketMeta+"/"+keyKeyCheck))
	if err != nil || string(pt) != keyCheckPlaintext {
		return ErrWrongKey
	}
	return nil
}

func (tx *Tx) putKeyCheck() error {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	sealed, err := secrets.Seal(tx.key, []byte(keyCheckPlaintext), []byte(bucketMeta+"/"+keyKeyCheck))
	if err != nil {
		return err
	}
	return meta.Put([]byte(keyKeyCheck), sealed)
}

// eventPath is the bucket path of a job's events in AAD.
func eventPath(jobKey []byte) string {
	return bucketEvents + "/" + hex.EncodeToString(jobKey)
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// appendSealed appends v to the event log of job under the next sequence number.
func (tx *Tx) appendSealed(jobID string, v any) error {
	events, err := tx.bucket(bucketEvents)
	if err != nil {
		return err
	}
	jk := secrets.Blind(tx.key, bucketEvents, jobID)
	jb, err := events.CreateBucketIfNotExists(jk)
	if err != nil {
		return fmt.Errorf("events of job %q: %w", jobID, err)
	}
	seq, err := jb.NextSequence()
	if err != nil {
		return fmt.Errorf("events of job %q: %w", jobID, err)
	}
	sk := seqKey(seq)
	sealed, err := tx.seal(eventPath(jk), sk, jobID, v)
	if err != nil {
		return err
	}
	return jb.Put(sk, sealed)
}

// eventValues returns the JSON values of job's events in order.
func (tx *Tx) eventValues(jobID string) ([][]byte, error) {
	events, err := tx.bucket(bucketEvents)
	if err != nil {
		return nil, err
	}
	jk := secrets.Blind(tx.key, bucketEvents, jobID)
	jb := events.Bucket(jk)
	if jb == nil {
		return nil, nil
	}
	var out [][]byte
	err = jb.ForEach(func(k, sealed []byte) error {
		env, err := tx.open(eventPath(jk), k, sealed)
		if err != nil {
			return err
		}
		if env.Name != jobID {
			return fmt.Errorf("event %s of job %q: record holds job %q: %w", strconv.FormatUint(binary.BigEndian.Uint64(k), 10), jobID, env.Name, secrets.ErrDecrypt)
		}
		out = append(out, bytes.Clone(env.Value))
		return nil
	})
	return out, err
}
