package platform

import (
	"crypto/rand"
	"crypto/sha256"
	"hash/crc32"
	"strings"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Access keys look like pgc_<keyid>_<secret>_<checksum>, and session tokens
// (session_tokens.go) like pgs_<tokenid>_<secret>_<checksum>:
//   - the prefix and the checksum let secret scanners recognise a leaked
//     credential, and tell a key from a token, without asking the server,
//     and let the server reject typos and truncations without a store
//     lookup;
//   - the id (12 × [a-z0-9]) is public: it is the row id of the key or
//     token;
//   - secret (40 × base62, ~238 bits) is never stored, only its SHA-256;
//   - checksum is CRC32 (IEEE) of "<prefix>_<id>_<secret>" in base62,
//     left-padded with '0' to 6 characters. The prefix is part of what it
//     sums, so changing "pgc" to "pgs" in a key does not make a token.
const (
	keyPrefix          = "pgc"
	sessionTokenPrefix = "pgs"
	keyIDLen           = 12
	keySecretLen       = 40
	keyChecksumLen     = 6
	keyLen             = len(keyPrefix) + 1 + keyIDLen + 1 + keySecretLen + 1 + keyChecksumLen

	keyIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	base62        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// newCredential returns a fresh credential's text with prefix, its id and
// the hash to store.
func newCredential(prefix string) (text, id string, secretHash []byte) {
	id = randomString(keyIDAlphabet, keyIDLen)
	secret := randomString(base62, keySecretLen)
	return formatCredential(prefix, id, secret), id, HashSecret(secret)
}

// newAccessKey returns a fresh key's text, its id and the hash to store.
func newAccessKey() (text, id string, secretHash []byte) { return newCredential(keyPrefix) }

// FormatAccessKey is the text of the key with that id and secret.
func FormatAccessKey(id, secret string) string { return formatCredential(keyPrefix, id, secret) }

// ParseAccessKey checks the shape and checksum of a key and splits it. It
// touches no store: a malformed key costs nothing.
func ParseAccessKey(text string) (id, secret string, ok bool) {
	return parseCredential(keyPrefix, text)
}

// FormatSessionToken is the text of the session token with that id and
// secret.
func FormatSessionToken(id, secret string) string {
	return formatCredential(sessionTokenPrefix, id, secret)
}

// Credential kinds, as ParseCredential tells them apart.
const (
	CredentialAccessKey    = "access key"
	CredentialSessionToken = "session token"
)

// ParseCredential tells which kind of credential text is (CredentialAccessKey
// or CredentialSessionToken) and splits it; ok is false when it is neither,
// well formed with a right checksum. kind is set from the prefix alone when
// it names one, so that a caller can say which kind of credential was
// malformed.
func ParseCredential(text string) (kind, id, secret string, ok bool) {
	switch {
	case strings.HasPrefix(text, sessionTokenPrefix+"_"):
		kind = CredentialSessionToken
		id, secret, ok = parseCredential(sessionTokenPrefix, text)
	case strings.HasPrefix(text, keyPrefix+"_"):
		kind = CredentialAccessKey
		id, secret, ok = parseCredential(keyPrefix, text)
	}
	return kind, id, secret, ok
}

func formatCredential(prefix, id, secret string) string {
	body := prefix + "_" + id + "_" + secret
	return body + "_" + keyChecksum(body)
}

func parseCredential(prefix, text string) (id, secret string, ok bool) {
	if len(text) != keyLen {
		return "", "", false
	}
	parts := strings.Split(text, "_")
	if len(parts) != 4 || parts[0] != prefix ||
		!only(parts[1], keyIDAlphabet, keyIDLen) ||
		!only(parts[2], base62, keySecretLen) ||
		!only(parts[3], base62, keyChecksumLen) {
		return "", "", false
	}
	if formatCredential(prefix, parts[1], parts[2]) != text {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// HashSecret is what the store keeps of a key's secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// keySuffixLen is how much of the key text a masked key shows: its last
// characters, which are part of the checksum, not of the secret.
const keySuffixLen = 4

func keySuffix(text string) string { return text[len(text)-keySuffixLen:] }

// MaskedKey is how reads show a key: its id and the end of its text.
func MaskedKey(k store.AccessKey) string {
	return keyPrefix + "_" + k.ID + "_…" + k.Suffix
}

// KeyExpired reports whether k has expired at the time at: an expired key
// authenticates nothing.
func KeyExpired(k store.AccessKey, at time.Time) bool { return !at.Before(k.ExpiresAt) }

func keyChecksum(body string) string {
	n := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, keyChecksumLen)
	for i := keyChecksumLen - 1; i >= 0; i-- {
		out[i] = base62[n%62]
		n /= 62
	}
	return string(out)
}

func only(s, alphabet string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// randomString draws n characters uniformly from alphabet (rejection
// sampling, so no character is more likely than another).
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
