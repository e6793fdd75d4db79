package secrets

// Every AEAD call of devarch lives in this file.
//
// Nonce policy: each Seal draws a fresh 96-bit nonce from crypto/rand. With
// random nonces the collision bound of AES-GCM stays negligible while one key
// seals fewer than 2^32 messages; devarch seals one value per record write and
// `key rotate` replaces the key, so a key is used for far fewer than 2^32
// seals between rotations.
//
// Sealed format: version byte (1) || 12-byte nonce || ciphertext+16-byte tag.
// The additional data binds a sealed value to where it lives (a bucket and
// record key, or a YAML path), so a value copied elsewhere fails to open.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Key is an AES-256 key.
type Key [32]byte

const (
	sealVersion = 1
	nonceSize   = 12
	tagSize     = 16
)

// ErrDecrypt means a sealed value did not open: the key is wrong, or the
// value, its nonce or its additional data was altered.
var ErrDecrypt = errors.New("decrypt failed: wrong key, or the sealed data was altered")

// NewKey returns a fresh random key.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

func newGCM(k Key) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext under k, bound to aad, with a random nonce.
func Seal(k Key, plaintext, aad []byte) ([]byte, error) {
	gcm, err := newGCM(k)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return gcm.Seal(out, out[1:], plaintext, aad), nil
}

// Open decrypts a value made by Seal with the same key and aad. Any other
// key, aad or altered byte gives ErrDecrypt.
func Open(k Key, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+tagSize || sealed[0] != sealVersion {
		return nil, ErrDecrypt
	}
	gcm, err := newGCM(k)
	if err != nil {
		return nil, err
	}
	pt, err := gcm.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Blind returns a keyed hash (HMAC-SHA256 under a subkey of k) of name in
// domain, so a database can index records by name without storing the name.
func Blind(k Key, domain, name string) []byte {
	sub := hmac.New(sha256.New, k[:])
	sub.Write([]byte("devarch blind index v1"))
	m := hmac.New(sha256.New, sub.Sum(nil))
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(name))
	return m.Sum(nil)
}
