package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/secrets"
	bolt "go.etcd.io/bbolt"
)

func TestNoPlaintextOnDisk(t *testing.T) {
	s, _ := openTemp(t)
	seed(t, s)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, path)
	for _, str := range sampleSecrets {
		if bytes.Contains(raw, []byte(str)) {
			t.Errorf("database file contains %q", str)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, %v", fi.Mode(), err)
	}
}

func TestRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	seed(t, s)
	err := s.View(func(tx *Tx) error {
		st, err := tx.GetStack("quokkashop")
		if err != nil {
			return err
		}
		if want := sampleStack(); !reflect.DeepEqual(st, want) {
			t.Errorf("stack = %+v\nwant %+v", st, want)
		}
		tpls, err := tx.ListTemplates()
		if err != nil || len(tpls) != 1 || tpls[0].Name != "pgcustomtemplate" {
			t.Errorf("templates = %+v, %v", tpls, err)
		}
		ap, err := tx.GetApplied("quokkashop")
		if err != nil || ap.JobID != "job-id-91bd22" || ap.Desired.Services[0].Env["POSTGRES_PASSWORD"].Value != "hunter2-SUPER-secret-pw" {
			t.Errorf("applied = %+v, %v", ap, err)
		}
		if b, err := tx.GetBinding("quokkashop"); err != nil || !reflect.DeepEqual(b, sampleBinding()) {
			t.Errorf("binding = %+v, %v", b, err)
		}
		sp, err := tx.GetPlan("plan-id-7f3a9c")
		if err != nil || sp.Plan.Stack != "quokkashop" || sp.Stack == nil || sp.Stack.Name != "quokkashop" || sp.AppliedAt != nil {
			t.Errorf("plan = %+v, %v", sp, err)
		}
		rec, err := tx.GetJob("job-id-91bd22")
		if err != nil || rec.PID != 42 || rec.Job.Stack != "quokkashop" {
			t.Errorf("job = %+v, %v", rec, err)
		}
		evs, err := tx.Events("job-id-91bd22")
		if err != nil || len(evs) != 2 || evs[0].Message != "event-message-zebra 1" || evs[1].Message != "event-message-zebra 2" {
			t.Errorf("events = %+v, %v", evs, err)
		}
		if evs, err := tx.Events("other"); err != nil || len(evs) != 0 {
			t.Errorf("events of unknown job = %+v, %v", evs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNotFound(t *testing.T) {
	s, _ := openTemp(t)
	tests := []struct {
		name string
		fn   func(tx *Tx) error
		msg  string
	}{
		{"stack", func(tx *Tx) error { _, err := tx.GetStack("nope"); return err }, `stack "nope": not found`},
		{"template", func(tx *Tx) error { _, err := tx.GetTemplate("nope"); return err }, `template "nope"`},
		{"applied", func(tx *Tx) error { _, err := tx.GetApplied("nope"); return err }, `applied snapshot of stack "nope"`},
		{"binding", func(tx *Tx) error { _, err := tx.GetBinding("nope"); return err }, `runtime binding of stack "nope"`},
		{"plan", func(tx *Tx) error { _, err := tx.GetPlan("nope"); return err }, `plan "nope"`},
		{"job", func(tx *Tx) error { _, err := tx.GetJob("nope"); return err }, `job "nope"`},
		{"delete stack", func(tx *Tx) error { return tx.DeleteStack("nope") }, `stack "nope"`},
		{"delete applied", func(tx *Tx) error { return tx.DeleteApplied("nope") }, `stack "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(tt.fn)
			if !IsNotFound(err) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want not found containing %q", err, tt.msg)
			}
		})
	}
}

func TestGenericAccess(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Update(func(tx *Tx) error {
		for _, n := range []string{"charlie", "alpha", "bravo"} {
			if err := tx.Put(bucketTemplates, n, map[string]string{"n": n}); err != nil {
				return err
			}
		}
		return tx.Delete(bucketTemplates, "bravo")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		keys, err := tx.Keys(bucketTemplates)
		if err != nil || !slices.Equal(keys, []string{"alpha", "charlie"}) {
			t.Errorf("keys = %v, %v", keys, err)
		}
		var v map[string]string
		if err := tx.Get(bucketTemplates, "charlie", &v); err != nil || v["n"] != "charlie" {
			t.Errorf("get = %v, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A failing fn rolls back.
	boom := errors.New("boom")
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Delete(bucketTemplates, "alpha"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("update err = %v", err)
	}
	if err := s.View(func(tx *Tx) error { return tx.Get(bucketTemplates, "alpha", new(any)) }); err != nil {
		t.Fatalf("rolled-back delete took effect: %v", err)
	}
}

// rawValue returns the stored bytes of record name in bucket.
func rawValue(t *testing.T, s *Store, k secrets.Key, bucket, name string) []byte {
	t.Helper()
	var out []byte
	if err := s.db.View(func(btx *bolt.Tx) error {
		out = bytes.Clone(btx.Bucket([]byte(bucket)).Get(secrets.Blind(k, bucket, name)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCiphertextDiffersPerWrite(t *testing.T) {
	s, k := openTemp(t)
	st := sampleStack()
	var seen [][]byte
	for range 3 {
		if err := s.Update(func(tx *Tx) error { return tx.PutStack(st) }); err != nil {
			t.Fatal(err)
		}
		v := rawValue(t, s, k, bucketStacks, st.Name)
		for _, prev := range seen {
			if bytes.Equal(prev, v) {
				t.Fatal("two writes of the same stack stored the same bytes")
			}
		}
		seen = append(seen, v)
	}
}

func TestRecordMovedFailsToOpen(t *testing.T) {
	s, k := openTemp(t)
	a, b := sampleStack(), sampleStack()
	b.Name = "other"
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutStack(a); err != nil {
			return err
		}
		return tx.PutStack(b)
	}); err != nil {
		t.Fatal(err)
	}
	sealedA := rawValue(t, s, k, bucketStacks, a.Name)
	tests := []struct {
		name, bucket, key string
		get               func(tx *Tx) error
	}{
		{"other key", bucketStacks, "other", func(tx *Tx) error { _, err := tx.GetStack("other"); return err }},
		{"other bucket", bucketTemplates, a.Name, func(tx *Tx) error { _, err := tx.GetTemplate(a.Name); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.db.Update(func(btx *bolt.Tx) error {
				return btx.Bucket([]byte(tt.bucket)).Put(secrets.Blind(k, tt.bucket, tt.key), sealedA)
			}); err != nil {
				t.Fatal(err)
			}
			err := s.View(tt.get)
			if !errors.Is(err, secrets.ErrDecrypt) || IsNotFound(err) {
				t.Fatalf("moved record: err = %v, want ErrDecrypt", err)
			}
		})
	}
	// The original still opens.
	if err := s.View(func(tx *Tx) error { _, err := tx.GetStack(a.Name); return err }); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedRecordFails(t *testing.T) {
	s, k := openTemp(t)
	st := sampleStack()
	if err := s.Update(func(tx *Tx) error { return tx.PutStack(st) }); err != nil {
		t.Fatal(err)
	}
	sealed := rawValue(t, s, k, bucketStacks, st.Name)
	for _, i := range []int{0, 5, len(sealed) / 2, len(sealed) - 1} {
		mod := bytes.Clone(sealed)
		mod[i] ^= 0x20
		if err := s.db.Update(func(btx *bolt.Tx) error {
			return btx.Bucket([]byte(bucketStacks)).Put(secrets.Blind(k, bucketStacks, st.Name), mod)
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.View(func(tx *Tx) error { _, err := tx.GetStack(st.Name); return err }); !errors.Is(err, secrets.ErrDecrypt) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
}

func TestWrongKeyChangesNothing(t *testing.T) {
	s, _ := openTemp(t)
	seed(t, s)
	path := s.Path()
	s.Close()
	before := readFile(t, path)
	_, err := Open(path, newKey(t))
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("err = %v, want ErrWrongKey", err)
	}
	if !strings.Contains(err.Error(), "wrong key") {
		t.Errorf("message %q", err)
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("opening with a wrong key changed the database file")
	}
}

func TestOpenWithKeyFile(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	s, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s)
	s.Close()
	for name, mode := range map[string]os.FileMode{home: 0o700, filepath.Join(home, KeyFile): 0o600, filepath.Join(home, DBFile): 0o600} {
		fi, err := os.Stat(name)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, %v; want %v", name, fi.Mode().Perm(), err, mode)
		}
	}
	s, err = OpenWithKeyFile(home)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := s.View(func(tx *Tx) error { _, err := tx.GetStack("quokkashop"); return err }); err != nil {
		t.Fatal(err)
	}
	if s.SchemaVersion() != SchemaVersion {
		t.Errorf("schema version %d", s.SchemaVersion())
	}
	s.Close()
}

func TestOpenWithKeyFileRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, home string)
		want  []string
		isErr error
	}{
		{"key readable by others", func(t *testing.T, home string) {
			os.Chmod(filepath.Join(home, KeyFile), 0o644)
		}, []string{"0644", "chmod 600"}, nil},
		{"wrong key", func(t *testing.T, home string) {
			os.Remove(filepath.Join(home, KeyFile))
			k := newKey(t)
			if err := secrets.WriteKeyFile(filepath.Join(home, KeyFile), k); err != nil {
				t.Fatal(err)
			}
		}, []string{"wrong key", KeyFile}, ErrWrongKey},
		{"key missing", func(t *testing.T, home string) {
			os.Remove(filepath.Join(home, KeyFile))
		}, []string{KeyFile}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			s, err := OpenWithKeyFile(home)
			if err != nil {
				t.Fatal(err)
			}
			seed(t, s)
			s.Close()
			tt.setup(t, home)
			dbBefore := readFile(t, filepath.Join(home, DBFile))
			keyBefore, _ := os.ReadFile(filepath.Join(home, KeyFile))
			_, err = OpenWithKeyFile(home)
			if err == nil {
				t.Fatal("opened")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("error %v is not %v", err, tt.isErr)
			}
			if !bytes.Equal(dbBefore, readFile(t, filepath.Join(home, DBFile))) {
				t.Error("database file changed")
			}
			keyAfter, _ := os.ReadFile(filepath.Join(home, KeyFile))
			if !bytes.Equal(keyBefore, keyAfter) {
				t.Error("key file changed")
			}
		})
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	s, k := openTemp(t)
	start := time.Now()
	_, err := Open(s.Path(), k)
	if !IsLocked(err) {
		t.Fatalf("second open: %v, want locked", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to report the lock", d)
	}
	if !strings.Contains(err.Error(), "another devarch daemon is using "+filepath.Dir(s.Path())) {
		t.Errorf("message %q", err)
	}
	home := filepath.Dir(s.Path())
	if _, err := OpenWithKeyFile(home); !IsLocked(err) {
		t.Errorf("OpenWithKeyFile on a held home: %v, want locked", err)
	}
	if _, err := os.Stat(filepath.Join(home, KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenWithKeyFile on a held home created a key file: %v", err)
	}
}

func TestDeletePlansForStack(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now().UTC()
	err := s.Update(func(tx *Tx) error {
		for _, p := range []plan.Plan{{ID: "p1", Stack: "a"}, {ID: "p2", Stack: "b"}, {ID: "p3", Stack: "a"}} {
			if err := tx.PutPlan(SavedPlan{Plan: p, AppliedAt: &now}); err != nil {
				return err
			}
		}
		return tx.DeletePlansForStack("a")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		ids, err := tx.Keys(bucketPlans)
		if !slices.Equal(ids, []string{"p2"}) {
			t.Errorf("plans left = %v", ids)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutPlan(SavedPlan{}) }); err == nil {
		t.Error("plan without ID stored")
	}
}

func TestListJobsOrder(t *testing.T) {
	s, _ := openTemp(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Update(func(tx *Tx) error {
		for _, j := range []Job{{ID: "a", CreatedAt: t0.Add(2 * time.Second)}, {ID: "c", CreatedAt: t0}, {ID: "b", CreatedAt: t0}} {
			if err := tx.PutJob(JobRecord{Job: j}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.View(func(tx *Tx) error {
		recs, err := tx.ListJobs()
		for _, r := range recs {
			ids = append(ids, r.Job.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"b", "c", "a"}) {
		t.Errorf("jobs = %v", ids)
	}
}

// A stack's binding is written and removed with its applied snapshot, and
// never without a kind.
func TestBindingGoesWithApplied(t *testing.T) {
	s, _ := openTemp(t)
	seed(t, s)
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutApplied("other", Applied{JobID: "j"}, RuntimeBinding{}); err == nil || !strings.Contains(err.Error(), "no kind") {
			t.Errorf("put without a runtime kind: %v", err)
		}
		if _, err := tx.GetApplied("other"); !IsNotFound(err) {
			t.Errorf("snapshot stored without a binding: %v", err)
		}
		if err := tx.DeleteApplied("quokkashop"); err != nil {
			return err
		}
		if _, err := tx.GetBinding("quokkashop"); !IsNotFound(err) {
			t.Errorf("binding after the snapshot was deleted: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
