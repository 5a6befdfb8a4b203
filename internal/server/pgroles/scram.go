package pgroles

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/xdg-go/stringprep"
)

// scramIterations is PostgreSQL's default (scram_iterations).
const scramIterations = 4096

// Verifier computes the SCRAM-SHA-256 verifier of password as PostgreSQL stores
// it in pg_authid.rolpassword (RFC 5802, RFC 7677):
//
//	SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
//
// with a random 16-byte salt. Sent as the PASSWORD of CREATE/ALTER ROLE, it is
// stored as is, so the plain password never reaches PostgreSQL (nor its log).
func Verifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return verifierWithSalt(password, salt, scramIterations)
}

func verifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, normalizePassword(password), salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// normalizePassword applies SASLprep (RFC 4013) the way PostgreSQL does
// (pg_saslprep in src/common/saslprep.c) before hashing, so that the
// verifier matches what libpq and PostgreSQL itself compute. The tables,
// Unicode 3.2 as PostgreSQL uses, are those of github.com/xdg-go/stringprep;
// two things are PostgreSQL's own and kept here:
//   - a password SASLprep refuses (prohibited or unassigned code points, bad
//     bidi, invalid UTF-8), or one it maps to nothing at all, is hashed as
//     given rather than refused: PostgreSQL accepts it that way;
//   - U+200B ZERO WIDTH SPACE is both a "non-ASCII space" (C.1.2) and
//     "commonly mapped to nothing" (B.1). PostgreSQL checks the spaces
//     first and maps it to a space; the library maps it to nothing. It is
//     turned into a space before the library runs, which then leaves it be.
//
// TestVerifierMatchesPostgres checks both against PostgreSQL's own verifiers.
func normalizePassword(password string) string {
	prepared, err := stringprep.SASLprep.Prepare(strings.ReplaceAll(password, "\u200b", " "))
	if err != nil || prepared == "" {
		return password
	}
	return prepared
}
