package secrets

import (
	"bytes"
	"errors"
	"testing"
)

func testKey(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealDiffersPerCall(t *testing.T) {
	k := testKey(t)
	pt, aad := []byte("hunter2-password"), []byte("stacks/shop")
	a, err := Seal(k, pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Seal(k, pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
	if bytes.Contains(a, pt) {
		t.Fatal("sealed value contains the plaintext")
	}
	if a[0] != sealVersion || len(a) != 1+nonceSize+len(pt)+tagSize {
		t.Fatalf("sealed layout: version %d, len %d", a[0], len(a))
	}
	for _, s := range [][]byte{a, b} {
		got, err := Open(k, s, aad)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("open = %q, %v", got, err)
		}
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	k := testKey(t)
	aad := []byte("stacks/shop")
	sealed, err := Seal(k, []byte("secret value"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			mod := bytes.Clone(sealed)
			mod[i] ^= bit
			if _, err := Open(k, mod, aad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("byte %d bit %#x flipped: err = %v, want ErrDecrypt", i, bit, err)
			}
		}
	}
	if _, err := Open(k, sealed[:len(sealed)-1], aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("truncated: err = %v", err)
	}
	if _, err := Open(k, nil, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("empty: err = %v", err)
	}
}

func TestOpenFailures(t *testing.T) {
	k, other := testKey(t), testKey(t)
	sealed, err := Seal(k, []byte("v"), []byte("stacks/a"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  Key
		aad  string
	}{
		{"other aad", k, "stacks/b"},
		{"other bucket", k, "templates/a"},
		{"empty aad", k, ""},
		{"wrong key", other, "stacks/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.key, sealed, []byte(tt.aad))
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if msg := err.Error(); !bytes.Contains([]byte(msg), []byte("wrong key")) || !bytes.Contains([]byte(msg), []byte("altered")) {
				t.Fatalf("message %q does not say wrong key or altered", msg)
			}
		})
	}
}

func TestBlind(t *testing.T) {
	k, other := testKey(t), testKey(t)
	a := Blind(k, "stacks", "shop")
	if !bytes.Equal(a, Blind(k, "stacks", "shop")) {
		t.Fatal("blind index is not deterministic")
	}
	for name, b := range map[string][]byte{
		"other name":   Blind(k, "stacks", "shop2"),
		"other domain": Blind(k, "templates", "shop"),
		"other key":    Blind(other, "stacks", "shop"),
		"split moved":  Blind(k, "stack", "sshop"),
	} {
		if bytes.Equal(a, b) {
			t.Errorf("%s: same blind index", name)
		}
	}
	if bytes.Contains(a, []byte("shop")) {
		t.Error("blind index contains the name")
	}
}
