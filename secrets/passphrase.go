package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters of a passphrase-sealed export. They
// travel with the file so a later devarch with stronger defaults can still
// open it.
type KDFParams struct {
	Name    string `json:"kdf" yaml:"kdf"`   // always "argon2id"
	Salt    string `json:"salt" yaml:"salt"` // base64 (std), 16 bytes
	Time    uint32 `json:"time" yaml:"time"`
	Memory  uint32 `json:"memory" yaml:"memory"` // KiB
	Threads uint8  `json:"threads" yaml:"threads"`
}

// DefaultKDF returns fresh argon2id parameters with a random salt, following
// RFC 9106's second recommended option (t=3, m=64 MiB).
func DefaultKDF() (KDFParams, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return KDFParams{}, fmt.Errorf("generate salt: %w", err)
	}
	return KDFParams{Name: "argon2id", Salt: base64.StdEncoding.EncodeToString(salt), Time: 3, Memory: 64 * 1024, Threads: 4}, nil
}

// ErrWrongPassphrase means a sealed value did not open with the passphrase.
var ErrWrongPassphrase = errors.New("wrong passphrase, or the sealed value was altered")

// Limits on KDF parameters read from a file, so a hostile file cannot make
// import spend unbounded memory or time.
const (
	maxKDFMemory = 1 << 20 // KiB (1 GiB)
	maxKDFTime   = 10
	minPassLen   = 8
)

// DeriveKey turns a passphrase into an AES-256 key with argon2id.
func DeriveKey(passphrase string, p KDFParams) (Key, error) {
	var k Key
	if p.Name != "argon2id" {
		return k, fmt.Errorf("kdf %q: only argon2id is supported", p.Name)
	}
	salt, err := base64.StdEncoding.DecodeString(p.Salt)
	if err != nil || len(salt) < 16 {
		return k, fmt.Errorf("kdf salt: must be base64 of at least 16 bytes")
	}
	if p.Time == 0 || p.Time > maxKDFTime || p.Memory < 8*1024 || p.Memory > maxKDFMemory || p.Threads == 0 {
		return k, fmt.Errorf("kdf parameters out of range: time 1-%d, memory 8192-%d KiB, threads >= 1", maxKDFTime, maxKDFMemory)
	}
	if err := CheckPassphrase(passphrase); err != nil {
		return k, err
	}
	copy(k[:], argon2.IDKey([]byte(passphrase), salt, p.Time, p.Memory, p.Threads, 32))
	return k, nil
}

// CheckPassphrase refuses passphrases too short to protect an export.
func CheckPassphrase(passphrase string) error {
	if utf8.RuneCountInString(passphrase) < minPassLen {
		return fmt.Errorf("passphrase: must be at least %d characters", minPassLen)
	}
	return nil
}

// SealString seals value under k, bound to aad (the value's path in the
// file), and returns base64 text for a YAML file.
func SealString(k Key, value, aad string) (string, error) {
	b, err := Seal(k, []byte(value), []byte(aad))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// OpenString reverses SealString. A wrong passphrase, a value moved to
// another path, or any altered byte gives ErrWrongPassphrase.
func OpenString(k Key, sealed, aad string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("sealed value is not base64: %w", ErrWrongPassphrase)
	}
	pt, err := Open(k, b, []byte(aad))
	if err != nil {
		return "", ErrWrongPassphrase
	}
	return string(pt), nil
}
