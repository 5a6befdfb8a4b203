// Package seal keeps secrets that the control plane must store but must not
// store readable: a cluster's DSN (under the server key) and the replayable
// answers of idempotent creates, which can carry a new access key (under a
// key derived from the caller's own credential, which the store never
// holds). It is AES-256-GCM and HMAC-SHA256 over keys derived with HKDF, all
// from the standard library.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Key is a 256-bit key for one purpose.
type Key [32]byte

// Derive returns the key for purpose from secret. Different purposes give
// unrelated keys, so one secret can serve several without one use exposing
// another.
func Derive(secret []byte, purpose string) Key {
	b, err := hkdf.Key(sha256.New, secret, nil, purpose, len(Key{}))
	if err != nil {
		// Only a length beyond 255 hash sizes fails, and ours is one.
		panic(fmt.Sprintf("seal: derive a key: %v", err))
	}
	return Key(b)
}

// ErrOpen is every failure to open: a wrong key, another row's ciphertext,
// or a change of even one byte.
var ErrOpen = errors.New("sealed data cannot be opened with this key (wrong key, or changed)")

// Seal encrypts plaintext under k. aad names where the result is kept (a
// row's id, say): it is not stored, but Open needs it again, so a sealed value
// copied into another row cannot be opened there.
func (k Key) Seal(plaintext, aad []byte) []byte {
	gcm := k.gcm()
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	rand.Read(nonce) // never fails (crypto/rand)
	return gcm.Seal(nonce, nonce, plaintext, aad)
}

// Open decrypts what Seal made under k with the same aad.
func (k Key) Open(sealed, aad []byte) ([]byte, error) {
	gcm := k.gcm()
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrOpen
	}
	plaintext, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}

// MAC is the HMAC-SHA256 of msg under k: a fingerprint that, unlike a plain
// hash, nobody without the key can recompute to test guesses against.
func (k Key) MAC(msg []byte) []byte {
	m := hmac.New(sha256.New, k[:])
	m.Write(msg)
	return m.Sum(nil)
}

func (k Key) gcm() cipher.AEAD {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}
