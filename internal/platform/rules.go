package platform

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The field rules that several inputs share (DESIGN.md, "The platform's
// rules"). Lengths are counted in characters (runes), not bytes. Each adds
// its violation, if any, to v under the field name the caller uses.

const (
	maxUsernameLen    = 200
	maxNameLen        = 200
	maxDescriptionLen = 500
	maxIDLen          = 200
	maxEmailLen       = 254 // RFC 5321 path limit
)

// Access token types of a machine user.
const (
	TokenTypeBearer = "bearer"
	TokenTypeJWT    = "jwt"
)

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// checkRequired: a field that must be sent (required says what to send)
// and then obey rule.
func checkRequired(v *Violations, field string, value *string, required string, rule func(v *Violations, field, s string)) {
	if value == nil {
		v.Add(field, "%s", required)
		return
	}
	rule(v, field, *value)
}

// checkOptional: a field that may be left out (nil), and else obeys rule.
func checkOptional(v *Violations, field string, value *string, rule func(v *Violations, field, s string)) {
	if value != nil {
		rule(v, field, *value)
	}
}

// checkUsername: 1–200 characters, no whitespace or control characters, none
// of + = @ (they are reserved: @ keeps machine usernames apart from people's
// emails, + and = from tokens some systems build from usernames).
func checkUsername(v *Violations, field, s string) {
	if !checkLength(v, field, s, maxUsernameLen, "must not be empty") {
		return
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			v.Add(field, "must not contain whitespace")
			return
		case unicode.IsControl(r):
			v.Add(field, "must not contain control characters")
			return
		case unicode.Is(unicode.Cf, r):
			// Zero-width and bidirectional controls make one name look
			// like another (or hide part of it) in every list and log.
			v.Add(field, "must not contain invisible formatting characters (found %U, such as a zero-width or right-to-left mark)", r)
			return
		case r == '+' || r == '=' || r == '@':
			v.Add(field, "must not contain %q (the characters + = @ are not allowed)", r)
			return
		}
	}
}

// checkLength: 1 to max characters; whenEmpty is the message for "". It
// reports whether s passed.
func checkLength(v *Violations, field, s string, max int, whenEmpty string) bool {
	switch n := runeLen(s); {
	case n == 0:
		v.Add(field, "%s", whenEmpty)
	case n > max:
		v.Add(field, "must be at most %d characters, got %d", max, n)
	case strings.ContainsRune(s, 0):
		v.Add(field, "%s", noNUL)
	default:
		return true
	}
	return false
}

// checkDisplayName: the display name of a machine user.
func checkDisplayName(v *Violations, field, s string) {
	checkLength(v, field, s, maxNameLen, "must not be empty (omit it on create to default to the username)")
}

// checkKeyName: the name of an access key.
func checkKeyName(v *Violations, field, s string) {
	checkLength(v, field, s, maxNameLen, "must not be empty")
}

// checkResourceName: the name of an organization, a project or a cluster,
// which the operator gives; blank is as good as empty.
func checkResourceName(v *Violations, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "must not be empty")
		return
	}
	checkKeyName(v, field, s)
}

func checkDescription(v *Violations, field, s string) {
	if n := runeLen(s); n > maxDescriptionLen {
		v.Add(field, "must be at most %d characters, got %d", maxDescriptionLen, n)
	} else if strings.ContainsRune(s, 0) {
		v.Add(field, "%s", noNUL)
	}
}

// noNUL is the rule every text field keeps: PostgreSQL, a store the server
// can use, cannot hold the NUL character in text, so no store may take it.
const noNUL = "must not contain the NUL character"

// checkEmail accepts "" (no email) or one bare address such as
// ops@example.com — no display name, no angle brackets.
func checkEmail(v *Violations, field, s string) {
	if s != "" && !validEmail(s) {
		v.Add(field, "must be a valid email address like name@example.com (no display name or angle brackets)")
	}
}

func validEmail(s string) bool {
	if runeLen(s) > maxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}

func checkTokenType(v *Violations, field, s string) {
	if s != TokenTypeBearer && s != TokenTypeJWT {
		v.Add(field, "must be %q or %q, got %q", TokenTypeBearer, TokenTypeJWT, s)
	}
}

// checkID: a caller-chosen id must be usable as one URL path segment as is.
func checkID(v *Violations, field, s string) {
	switch {
	case !checkLength(v, field, s, maxIDLen, "must not be empty (omit it to get a generated id)"):
		return
	case s == "." || s == "..":
		v.Add(field, "must not be %q", s)
		return
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			v.Add(field, "may contain only letters A-Z a-z, digits, '.', '_' and '-'")
			return
		}
	}
}
