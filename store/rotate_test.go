package store

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/secrets"
)

func sampleEvent(msg string) Event {
	return Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), JobID: "j1", Message: msg}
}

func seededHome(t *testing.T) (string, *Store) {
	t.Helper()
	home := t.TempDir()
	s, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seed(t, s)
	return home, s
}

// assertSeeded checks every seeded record opens in s.
func assertSeeded(t *testing.T, s *Store) {
	t.Helper()
	err := s.View(func(tx *Tx) error {
		if _, err := tx.GetStack("quokkashop"); err != nil {
			return err
		}
		if _, err := tx.GetTemplate("pgcustomtemplate"); err != nil {
			return err
		}
		if _, err := tx.GetApplied("quokkashop"); err != nil {
			return err
		}
		if b, err := tx.GetBinding("quokkashop"); err != nil || !reflect.DeepEqual(b, sampleBinding()) {
			t.Errorf("binding = %+v, %v", b, err)
		}
		if _, err := tx.GetPlan("plan-id-7f3a9c"); err != nil {
			return err
		}
		if _, err := tx.GetJob("job-id-91bd22"); err != nil {
			return err
		}
		if sums, err := tx.ListSummaries(); err != nil || len(sums) != 1 || sums[0].Name != "quokkashop" || sums[0].AppliedSerial != 3 {
			t.Errorf("summaries = %+v, %v", sums, err)
		}
		if owners, err := tx.ContainerOwners("devarch-quokkashop-db"); err != nil || len(owners) != 1 || owners[0] != (ContainerOwner{"quokkashop", "db"}) {
			t.Errorf("container owners = %+v, %v", owners, err)
		}
		evs, err := tx.Events("job-id-91bd22")
		if err == nil && len(evs) != 2 {
			t.Errorf("events = %d, want 2", len(evs))
		}
		return err
	})
	if err != nil {
		t.Fatalf("seeded records: %v", err)
	}
}

func keyOf(t *testing.T, home string) secrets.Key {
	t.Helper()
	k, err := secrets.LoadKey(filepath.Join(home, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRotate(t *testing.T) {
	home, s := seededHome(t)
	oldKey := keyOf(t, home)
	n, err := s.Rotate(home)
	if err != nil {
		t.Fatal(err)
	}
	// stack, template, applied, binding, plan, job, 2 events, and the
	// index: the stack's index record and summary and its template's
	// users.
	if n != 11 {
		t.Errorf("rotated %d records, want 11", n)
	}
	newKey := keyOf(t, home)
	if newKey == oldKey {
		t.Fatal("key file unchanged")
	}
	if _, err := os.Stat(filepath.Join(home, NextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left behind: %v", NextKeyFile, err)
	}
	assertSeeded(t, s)
	// Appends continue the event sequence after rotation.
	if err := s.Update(func(tx *Tx) error { return tx.AppendEvent("job-id-91bd22", sampleEvent("third")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	raw := readFile(t, filepath.Join(home, DBFile))
	for _, str := range sampleSecrets {
		if bytes.Contains(raw, []byte(str)) {
			t.Errorf("database file contains %q after rotation", str)
		}
	}
	if _, err := Open(filepath.Join(home, DBFile), oldKey); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("old key after rotation: %v", err)
	}
	s2, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.View(func(tx *Tx) error {
		evs, err := tx.Events("job-id-91bd22")
		if err == nil && (len(evs) != 3 || evs[2].Message != "third") {
			t.Errorf("events after rotation = %+v", evs)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRotateCrashAfterCommit(t *testing.T) {
	home, s := seededHome(t)
	oldKey := keyOf(t, home)
	if _, err := s.rotateCommit(home); err != nil {
		t.Fatal(err)
	}
	s.Close() // the process dies before the rename
	if keyOf(t, home) != oldKey {
		t.Fatal("secret.key changed before the rename")
	}
	nextKey, err := secrets.LoadKey(filepath.Join(home, NextKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	s2, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatalf("open after crash: %v", err)
	}
	defer s2.Close()
	if keyOf(t, home) != nextKey {
		t.Error("recovery did not install the committed key")
	}
	if _, err := os.Stat(filepath.Join(home, NextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left behind: %v", NextKeyFile, err)
	}
	assertSeeded(t, s2)
}

func TestRotateCrashBeforeCommit(t *testing.T) {
	home, s := seededHome(t)
	oldKey := keyOf(t, home)
	s.Close()
	// The new key was written but the transaction never committed.
	if err := secrets.WriteKeyFile(filepath.Join(home, NextKeyFile), newKey(t)); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatalf("open after crash: %v", err)
	}
	defer s2.Close()
	if keyOf(t, home) != oldKey {
		t.Error("recovery replaced the key the database is sealed with")
	}
	if _, err := os.Stat(filepath.Join(home, NextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("uncommitted %s kept: %v", NextKeyFile, err)
	}
	assertSeeded(t, s2)
}

func TestRotateFinishesEarlierInstall(t *testing.T) {
	home, s := seededHome(t)
	if _, err := s.rotateCommit(home); err != nil {
		t.Fatal(err)
	}
	// Same process rotates again before anything installed the first key.
	if _, err := s.Rotate(home); err != nil {
		t.Fatal(err)
	}
	assertSeeded(t, s)
	s.Close()
	s2, err := OpenWithKeyFile(home)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	assertSeeded(t, s2)
}

func TestViewDuringRotate(t *testing.T) {
	home, s := seededHome(t)
	done := make(chan error)
	go func() {
		for range 3 {
			if _, err := s.Rotate(home); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			assertSeeded(t, s)
			return
		default:
			assertSeeded(t, s)
		}
	}
}
