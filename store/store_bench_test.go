package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/benchfix"
)

// The store benchmarks use the realistic 8-instance stack of
// internal/benchfix (about 2 KB of JSON per stack record, 9 KB per applied
// snapshot) in a temporary bbolt file on the machine's disk. Every Update
// is a bbolt transaction commit with its fsyncs, as in the daemon.

// BenchmarkStoreStack8 writes or reads one sealed stack record:
//
//   - put: one Update transaction (JSON encode, AES-256-GCM seal, commit);
//   - get: one View transaction (open, decrypt, JSON decode);
//   - put-applied / get-applied: the same for the applied snapshot (the
//     whole wired desired state) apply records.
func BenchmarkStoreStack8(b *testing.B) {
	st := benchfix.Stack()
	ap := Applied{Desired: benchfix.Desired(st), AppliedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), JobID: "job-0123456789"}
	b.Run("put", func(b *testing.B) {
		s, _ := openTemp(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Update(func(tx *Tx) error { return tx.PutStack(st) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		s, _ := openTemp(b)
		if err := s.Update(func(tx *Tx) error { return tx.PutStack(st) }); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			err := s.View(func(tx *Tx) error {
				got, err := tx.GetStack(st.Name)
				if err == nil && len(got.Instances) != len(st.Instances) {
					err = fmt.Errorf("read %d instances", len(got.Instances))
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("put-applied", func(b *testing.B) {
		s, _ := openTemp(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Update(func(tx *Tx) error { return tx.PutApplied(st.Name, ap, RuntimeBinding{Kind: "docker"}) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get-applied", func(b *testing.B) {
		s, _ := openTemp(b)
		if err := s.Update(func(tx *Tx) error { return tx.PutApplied(st.Name, ap, RuntimeBinding{Kind: "docker"}) }); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.View(func(tx *Tx) error { _, err := tx.GetApplied(st.Name); return err }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreListStacks reads every stack of a store holding N copies of
// the 8-instance stack in one View, as `stack ls` and the port conflict
// check across stacks do: N decrypts and decodes, then a sort by name.
func BenchmarkStoreListStacks(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			s, _ := openTemp(b)
			err := s.Update(func(tx *Tx) error {
				for i := range n {
					if err := tx.PutStack(benchfix.StackNamed(fmt.Sprintf("shop%04d", i))); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				var got []core.Stack
				if err := s.View(func(tx *Tx) error { got, err = tx.ListStacks(); return err }); err != nil {
					b.Fatal(err)
				}
				if len(got) != n {
					b.Fatalf("listed %d stacks, want %d", len(got), n)
				}
			}
		})
	}
}
