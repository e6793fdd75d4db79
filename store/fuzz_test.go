package store

import (
	"bytes"
	"os"
	"testing"

	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

// FuzzRecordDecoding stores arbitrary bytes as the value of a record,
// sealed under the database's key (so decoding, not opening, is what is
// tested) or as raw ciphertext, in a schema 2 database. Reading it with
// every typed getter never panics, and opening the database, which runs
// the migration to the current schema over it, never panics: it migrates
// or fails with an error, and a failed migration leaves the file as it was.
func FuzzRecordDecoding(f *testing.F) {
	for _, v := range []string{
		`{"name":"stack","serial":1,"instances":[{"name":"db","template":"postgres","enabled":true}]}`,
		`{"desired":{"stack":"s","services":[]},"runtime":{"kind":"docker"}}`,
		`{"plan":{"id":"n","stack":"s","runtime":"docker compose v2 (context default)"}}`,
		`{"job":{"id":"n","stack":"s","state":"running"},"pid":1}`,
		`{"image":7}`, `null`, `[]`, `"x"`, `{`, ``,
	} {
		for bucket := range uint8(6) {
			f.Add([]byte(v), bucket, true)
		}
	}
	f.Add([]byte("not a sealed record"), uint8(0), false)
	k := newKey(f)
	f.Fuzz(func(t *testing.T, value []byte, which uint8, sealed bool) {
		bucket := []string{bucketStacks, bucketTemplates, bucketApplied, bucketPlans, bucketJobs, bucketEvents}[int(which)%6]
		path := dbAt(t, 2, k)
		withDB(t, path, func(btx *bolt.Tx) error {
			pt := append(append([]byte(`{"name":"n","value":`), value...), '}')
			if bucket == bucketEvents {
				b, err := btx.Bucket([]byte(bucketEvents)).CreateBucketIfNotExists(secrets.Blind(k, bucketEvents, "n"))
				if err != nil {
					return err
				}
				sk := seqKey(1)
				ct, err := secrets.Seal(k, pt, aad(eventPath(secrets.Blind(k, bucketEvents, "n")), sk))
				if err != nil {
					return err
				}
				if !sealed {
					ct = value
				}
				return b.Put(sk, ct)
			}
			bk := secrets.Blind(k, bucket, "n")
			ct, err := secrets.Seal(k, pt, aad(bucket, bk))
			if err != nil {
				return err
			}
			if !sealed {
				ct = value
			}
			if len(ct) == 0 {
				ct = []byte{0}
			}
			return btx.Bucket([]byte(bucket)).Put(bk, ct)
		})
		withDB(t, path, func(btx *bolt.Tx) error {
			tx := &Tx{btx: btx, key: k}
			tx.GetStack("n")
			tx.GetTemplate("n")
			tx.GetApplied("n")
			tx.GetPlan("n")
			tx.GetJob("n")
			tx.ListStacks()
			tx.ListTemplates()
			tx.ListJobs()
			tx.Events("n")
			return nil
		})
		before := fileBytes(t, path)
		s, err := Open(path, k)
		if err == nil {
			s.Close()
			return
		}
		if !bytes.Equal(fileBytes(t, path), before) {
			t.Fatalf("a failed migration (%v) changed the database file", err)
		}
	})
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
