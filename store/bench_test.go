package store

import (
	"testing"
)

func BenchmarkPutGetStack(b *testing.B) {
	s, _ := openTemp(b)
	st := sampleStack()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Update(func(tx *Tx) error { return tx.PutStack(st) }); err != nil {
			b.Fatal(err)
		}
		if err := s.View(func(tx *Tx) error { _, err := tx.GetStack(st.Name); return err }); err != nil {
			b.Fatal(err)
		}
	}
}
