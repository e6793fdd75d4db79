package store

// The set buckets of the cross-stack index (schema.go, since v5): joiners
// and template_users hold, for each stack or template, one nested bucket
// with one record per member stack, so that adding a stack to a set or
// taking it out writes one record whatever the number of members (a shared
// stack many stacks join, a template every stack names).

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// setBuckets are the index buckets holding one nested bucket per set.
var setBuckets = []string{bucketJoiners, bucketTemplateUsers}

// setPath is the path of the members of the set keyed setKey in bucket:
// the domain their names are blinded in and the prefix of their
// additional data, so that a member record copied under another set, or
// under another name, fails to open.
func setPath(bucket string, setKey []byte) string {
	return bucket + "/" + hex.EncodeToString(setKey)
}

// setMembers lists, sorted, the members of set name of bucket; none when
// it has no record.
func (tx *Tx) setMembers(bucket, name string) ([]string, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	sk := secrets.Blind(tx.key, bucket, name)
	sb := b.Bucket(sk)
	if sb == nil {
		return nil, nil
	}
	var out []string
	err = sb.ForEach(func(k, sealed []byte) error {
		member, of, err := tx.openMember(setPath(bucket, sk), k, sealed)
		if err != nil {
			return err
		}
		if of != name {
			return fmt.Errorf("%s %q: member %q holds %q: %w", noun(bucket), name, member, of, secrets.ErrDecrypt)
		}
		out = append(out, member)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// openMember opens a member record: the member's name and the name of the
// set it belongs to.
func (tx *Tx) openMember(path string, k, sealed []byte) (member, of string, err error) {
	if sealed == nil {
		return "", "", fmt.Errorf("open record in %s: a bucket where a record belongs: database damaged", path)
	}
	env, err := tx.open(path, k, sealed)
	if err != nil {
		return "", "", err
	}
	if err := json.Unmarshal(env.Value, &of); err != nil {
		return "", "", fmt.Errorf("decode record in %s: %w", path, err)
	}
	return env.Name, of, nil
}

// setAdd makes member a member of set name of bucket.
func (tx *Tx) setAdd(bucket, name, member string) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	sk := secrets.Blind(tx.key, bucket, name)
	sb, err := b.CreateBucketIfNotExists(sk)
	if err != nil {
		return fmt.Errorf("%s %q: %w", noun(bucket), name, err)
	}
	return tx.putMember(sb, setPath(bucket, sk), name, member)
}

func (tx *Tx) putMember(sb *bolt.Bucket, path, name, member string) error {
	mk := secrets.Blind(tx.key, path, member)
	sealed, err := tx.seal(path, mk, member, name)
	if err != nil {
		return err
	}
	return sb.Put(mk, sealed)
}

// setRemove takes member out of set name of bucket, and removes the set
// when it was its last member.
func (tx *Tx) setRemove(bucket, name, member string) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	sk := secrets.Blind(tx.key, bucket, name)
	sb := b.Bucket(sk)
	if sb == nil {
		return nil
	}
	if err := sb.Delete(secrets.Blind(tx.key, setPath(bucket, sk), member)); err != nil {
		return fmt.Errorf("%s %q: %w", noun(bucket), name, err)
	}
	if k, _ := sb.Cursor().First(); k != nil {
		return nil
	}
	if err := b.DeleteBucket(sk); err != nil {
		return fmt.Errorf("%s %q: %w", noun(bucket), name, err)
	}
	return nil
}

// reindexSet adds stack to the sets of bucket named in now but not in old,
// and takes it out of those named in old but not in now.
func (tx *Tx) reindexSet(bucket, stack string, old, now []string) error {
	for _, k := range sortedSet(slices.Concat(old, now)) {
		in, was := slices.Contains(now, k), slices.Contains(old, k)
		var err error
		switch {
		case in && !was:
			err = tx.setAdd(bucket, k, stack)
		case was && !in:
			err = tx.setRemove(bucket, k, stack)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// allSets reads every set of bucket: its members, sorted, by set name.
func (tx *Tx) allSets(bucket string) (map[string][]string, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	err = b.ForEach(func(sk, v []byte) error {
		sb := b.Bucket(sk)
		if v != nil || sb == nil {
			return fmt.Errorf("open record in %s: a record where a set's bucket belongs: database damaged", bucket)
		}
		path := setPath(bucket, sk)
		name := ""
		var members []string
		err := sb.ForEach(func(k, sealed []byte) error {
			member, of, err := tx.openMember(path, k, sealed)
			if err != nil {
				return err
			}
			if name != "" && of != name {
				return fmt.Errorf("open record in %s: members of %q and %q: %w", path, name, of, secrets.ErrDecrypt)
			}
			name = of
			members = append(members, member)
			return nil
		})
		if err != nil {
			return err
		}
		if name != "" {
			slices.Sort(members)
			out[name] = members
		}
		return nil
	})
	return out, err
}

// resealSets rewrites the set buckets under to's key, and returns how
// many member records it rewrote.
func resealSets(btx *bolt.Tx, from, to *Tx) (int, error) {
	n := 0
	for _, bucket := range setBuckets {
		sets, err := from.allSets(bucket)
		if err != nil {
			return n, err
		}
		if _, err := recreate(btx, bucket); err != nil {
			return n, err
		}
		for name, members := range sets {
			for _, m := range members {
				if err := to.setAdd(bucket, name, m); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}
