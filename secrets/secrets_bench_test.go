package secrets

import (
	"encoding/json"
	"testing"

	"github.com/devarch-dev/devarch/core/benchfix"
)

// record is the plaintext the store seals for a value v: the JSON
// envelope {"name":..., "value":...} of store/tx.go.
func record(b *testing.B, name string, v any) []byte {
	b.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	pt, err := json.Marshal(struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	}{name, raw})
	if err != nil {
		b.Fatal(err)
	}
	return pt
}

// sealCases are typical plaintexts: one secret env value, the stack record
// of the realistic 8-instance stack (internal/benchfix) and its applied
// snapshot (the wired desired state).
func sealCases(b *testing.B) []struct {
	name string
	pt   []byte
} {
	st := benchfix.Stack()
	return []struct {
		name string
		pt   []byte
	}{
		{"secret-value", []byte("pg-s3cret-hunter2-0123456789")},
		{"stack-record", record(b, st.Name, st)},
		{"applied-record", record(b, st.Name, map[string]any{"desired": benchfix.Desired(st)})},
	}
}

// BenchmarkSeal is AES-256-GCM sealing with a fresh random nonce (key
// schedule included: Seal builds its cipher per call, as the store uses it).
func BenchmarkSeal(b *testing.B) {
	k, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	aad := []byte("stacks/" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	for _, c := range sealCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.pt)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Seal(k, c.pt, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen decrypts and authenticates what BenchmarkSeal seals.
func BenchmarkOpen(b *testing.B) {
	k, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	aad := []byte("stacks/" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	for _, c := range sealCases(b) {
		sealed, err := Seal(k, c.pt, aad)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.pt)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Open(k, sealed, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBlind is the keyed record index the store computes on every
// Get, Put and Delete.
func BenchmarkBlind(b *testing.B) {
	k, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Blind(k, "stacks", "shop")
	}
}

// BenchmarkDeriveKeyDefault is the argon2id derivation (t=3, m=64 MiB,
// 4 lanes) an export or import with sealed secrets pays once per file.
func BenchmarkDeriveKeyDefault(b *testing.B) {
	p, err := DefaultKDF()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DeriveKey("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
	}
}
