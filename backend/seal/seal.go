// Package seal keeps secrets the server must read back — a webhook channel's HMAC secret —
// unreadable at rest: AES-256-GCM (the standard library's) under the configured
// secrets.key, so a copy of the database or one of its backups carries no usable secret.
// Each sealed value is bound to what it belongs to (its context, e.g. "channel:shop"), so
// one row's sealed secret moved to another does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// prefix marks a sealed value; anything else is a value stored before sealing (or with
// no key configured) and reads as it is.
const prefix = "sealed:v1:"

// KeySize is the length of a key: 32 bytes, AES-256.
const KeySize = 32

// Key seals and opens values.
type Key struct {
	aead     cipher.AEAD
	previous *Key // opens what the key before it sealed, while values are re-sealed
}

// Rotating returns k still opening what previous sealed; it seals with k only.
func (k *Key) Rotating(previous *Key) *Key {
	r := *k
	r.previous = previous
	return &r
}

// ParseKey reads a key written in base64 (standard or URL alphabet, padded or not).
func ParseKey(s string) (*Key, error) {
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(strings.TrimSpace(s)); err == nil {
			break
		}
	}
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("want %d random bytes in base64 (e.g. from `openssl rand -base64 32`)", KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// Seal returns plain sealed for context; with no key (nil) plain itself.
func (k *Key) Seal(plain, context string) (string, error) {
	if k == nil {
		return plain, nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return prefix + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))), nil
}

// ErrNoKey is opening a sealed value without the key.
var ErrNoKey = errors.New("sealed with secrets.key, which this server does not have")

// Open returns the value stored for context: a sealed one opened with k, any other as it
// is.
func (k *Key) Open(stored, context string) (string, error) {
	if !Sealed(stored) {
		return stored, nil
	}
	if k == nil {
		return "", ErrNoKey
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, prefix))
	n := k.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", errors.New("a sealed value that is not one (damaged)")
	}
	plain, err := k.aead.Open(nil, b[:n], b[n:], []byte(context))
	if err != nil && k.previous != nil {
		return k.previous.Open(stored, context)
	}
	if err != nil {
		return "", errors.New("a sealed value that does not open with secrets.key (another key, or another row's value)")
	}
	return string(plain), nil
}

// Current says whether stored is sealed with k itself, not with a previous key (nor
// stored as given): the values that need no re-sealing.
func (k *Key) Current(stored, context string) bool {
	if k == nil || !Sealed(stored) {
		return false
	}
	_, err := (&Key{aead: k.aead}).Open(stored, context)
	return err == nil
}

// Sealed says whether stored is a sealed value.
func Sealed(stored string) bool { return strings.HasPrefix(stored, prefix) }
