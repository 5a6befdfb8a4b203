package server

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field rules of the platform (DESIGN.md, "The platform's rules"). Lengths are
// counted in characters (runes), not bytes.

const (
	maxUsernameLen    = 200
	maxNameLen        = 200
	maxDescriptionLen = 500
	maxIDLen          = 200
	maxEmailLen       = 254 // RFC 5321 path limit
)

const (
	tokenTypeBearer = "bearer"
	tokenTypeJWT    = "jwt"
)

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// checkUsername: 1–200 characters, no whitespace or control characters, none
// of + = @ (they are reserved: @ keeps machine usernames apart from people's
// emails, + and = from tokens some systems build from usernames).
func checkUsername(v *validationErrors, field, s string) {
	switch n := runeLen(s); {
	case n == 0:
		v.add(field, "must not be empty")
		return
	case n > maxUsernameLen:
		v.add(field, "must be at most %d characters, got %d", maxUsernameLen, n)
		return
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			v.add(field, "must not contain whitespace")
			return
		case unicode.IsControl(r):
			v.add(field, "must not contain control characters")
			return
		case r == '+' || r == '=' || r == '@':
			v.add(field, "must not contain %q (the characters + = @ are not allowed)", r)
			return
		}
	}
}

func checkName(v *validationErrors, field, s string) {
	switch n := runeLen(s); {
	case n == 0:
		v.add(field, "must not be empty (omit it on create to default to the username)")
	case n > maxNameLen:
		v.add(field, "must be at most %d characters, got %d", maxNameLen, n)
	}
}

func checkDescription(v *validationErrors, field, s string) {
	if n := runeLen(s); n > maxDescriptionLen {
		v.add(field, "must be at most %d characters, got %d", maxDescriptionLen, n)
	}
}

// checkEmail accepts "" (no email) or one bare address such as
// ops@example.com — no display name, no angle brackets.
func checkEmail(v *validationErrors, field, s string) {
	if s == "" {
		return
	}
	if !validEmail(s) {
		v.add(field, "must be a valid email address like name@example.com (no display name or angle brackets)")
	}
}

func validEmail(s string) bool {
	if runeLen(s) > maxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}

func checkTokenType(v *validationErrors, field, s string) {
	if s != tokenTypeBearer && s != tokenTypeJWT {
		v.add(field, "must be %q or %q, got %q", tokenTypeBearer, tokenTypeJWT, s)
	}
}

// checkID: a caller-chosen id must be usable as one URL path segment as is.
func checkID(v *validationErrors, field, s string) {
	n := runeLen(s)
	switch {
	case n == 0:
		v.add(field, "must not be empty (omit it to get a generated id)")
		return
	case n > maxIDLen:
		v.add(field, "must be at most %d characters, got %d", maxIDLen, n)
		return
	case s == "." || s == "..":
		v.add(field, "must not be %q", s)
		return
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			v.add(field, "may contain only letters A-Z a-z, digits, '.', '_' and '-'")
			return
		}
	}
}
