package pgroles

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
// (pg_saslprep) before hashing, so that the verifier matches what libpq and
// PostgreSQL itself compute: an ASCII password is used as is, and so is one
// SASLprep refuses (prohibited or unassigned code points, bad bidi). The
// unassigned check uses the Go toolchain's Unicode tables where PostgreSQL
// uses Unicode 3.2; they differ only for characters assigned since.
func normalizePassword(password string) string {
	ascii := true
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii || !utf8.ValidString(password) {
		return password
	}
	// Mapping: non-ASCII spaces (C.1.2) to a space, "commonly mapped to
	// nothing" (B.1) removed; then NFKC.
	var b strings.Builder
	for _, r := range password {
		switch {
		case mappedToNothing(r):
		case r != ' ' && unicode.Is(unicode.Zs, r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := norm.NFKC.String(b.String())
	hasRandAL, hasL := false, false
	for _, r := range out {
		if prohibited(r) || !assigned(r) {
			return password
		}
		if randAL(r) {
			hasRandAL = true
		} else if unicode.IsLetter(r) {
			hasL = true
		}
	}
	if hasRandAL {
		first, _ := utf8.DecodeRuneInString(out)
		last, _ := utf8.DecodeLastRuneInString(out)
		if hasL || !randAL(first) || !randAL(last) {
			return password
		}
	}
	return out
}

// mappedToNothing is RFC 3454 table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x1806, r == 0x180B, r == 0x180C, r == 0x180D,
		r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF:
		return true
	case r >= 0xFE00 && r <= 0xFE0F:
		return true
	}
	return false
}

// prohibited is RFC 4013's prohibited output: RFC 3454 tables C.1.2 to C.9.
func prohibited(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F): // C.2 controls
		return true
	case r != ' ' && unicode.Is(unicode.Zs, r): // C.1.2
		return true
	case r == 0x06DD, r == 0x070F, r == 0x180E, r == 0x200C, r == 0x200D, r == 0x2028, r == 0x2029,
		r >= 0x2060 && r <= 0x2063, r >= 0x206A && r <= 0x206F, r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFD,
		r >= 0x1D173 && r <= 0x1D17A: // C.2.2, C.6
		return true
	case r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000 && r <= 0xFFFFD, r >= 0x100000 && r <= 0x10FFFD: // C.3
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // C.4
		return true
	case r >= 0xD800 && r <= 0xDFFF: // C.5
		return true
	case r >= 0x2FF0 && r <= 0x2FFB: // C.7
		return true
	case r == 0x0340, r == 0x0341, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E: // C.8
		return true
	case r == 0xE0001, r >= 0xE0020 && r <= 0xE007F: // C.9
		return true
	}
	return false
}

func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C) &&
		!unicode.Is(unicode.Co, r)
}

// randAL approximates RFC 3454 table D.1 (right-to-left characters) by the
// scripts written right to left.
func randAL(r rune) bool {
	return unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko)
}
