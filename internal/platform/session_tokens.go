package platform

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Session tokens are the short-lived credentials of machine users: what a
// Terraform run opens for itself (the ephemeral pgcloud_access_key) and,
// later, what the token exchange hands out. They are a kind of their own
// beside access keys because a credential that lasts one run must never be
// able to block the next run:
//   - a token lives at most MaxSessionTokenSeconds (24 hours), and by
//     default an hour;
//   - it counts against neither key quota, and is not listed among the
//     keys: a run that was killed, or whose Close Terraform skipped, leaves
//     a token behind that blocks nothing and expires on its own;
//   - once expired it authenticates nothing and the server deletes it (see
//     server/session_tokens.go);
//   - it authenticates exactly as an access key of its machine user would:
//     the same role bindings, a rate limit bucket of its own;
//   - it looks like pgs_<id>_<secret>_<checksum> (keys.go), so a scanner
//     tells it from a key, and the store keeps only a hash of its secret.
//
// MaxLiveSessionTokens bounds the tokens a machine user holds at once, so
// that a runaway loop cannot fill the store; it is far above what any
// pipeline needs (two per run, one for plan and one for apply), and expired
// tokens free their place at once.
const (
	MinSessionTokenSeconds     = 60
	MaxSessionTokenSeconds     = 24 * 60 * 60
	DefaultSessionTokenSeconds = 60 * 60
	MaxLiveSessionTokens       = 1000
)

// SessionTokensPath is the API path where the session tokens of machine
// user u are opened and closed.
func SessionTokensPath(u store.User) string {
	return "/api/v1/organizations/" + url.PathEscape(u.OrganizationID) + "/machine-users/" + url.PathEscape(PublicUserID(u.ID)) + "/session-tokens"
}

// SessionTokenCreate is the input of opening a session token. A nil field
// was left out by the caller.
type SessionTokenCreate struct {
	Name             *string  // 1–200 characters, not unique; nil: "session-<token id>"
	ExpiresInSeconds *float64 // a whole number from MinSessionTokenSeconds to MaxSessionTokenSeconds; nil: the default
}

// Check adds the field rules the input breaks to v.
func (in SessionTokenCreate) Check(v *Violations) {
	checkOptional(v, "name", in.Name, checkKeyName)
	if s := in.ExpiresInSeconds; s != nil && (*s != math.Trunc(*s) || *s < MinSessionTokenSeconds || *s > MaxSessionTokenSeconds) {
		v.Add("expiresInSeconds", "must be a whole number of seconds from %d (1 minute) to %d (24 hours), got %v",
			MinSessionTokenSeconds, MaxSessionTokenSeconds, *s)
	}
}

// IssuedSessionToken is a token just opened: the stored row and the
// token's text, which is shown this once and never again.
type IssuedSessionToken struct {
	store.SessionToken
	Text string
}

// CreateSessionToken opens a session token of machine user u, for an
// organization owner (the API's caller) or the operator. People have no
// session tokens: their credentials are their own keys.
func (s *Service) CreateSessionToken(ctx context.Context, q store.Queries, by Actor, u store.User,
	in SessionTokenCreate) (IssuedSessionToken, error) {
	if err := check(in); err != nil {
		return IssuedSessionToken{}, err
	}
	if u.Type != store.UserTypeMachine {
		return IssuedSessionToken{}, Errorf(FailedPrecondition,
			"user %q is a person: session tokens are for machine users only; a person authenticates with its own access key", u.Username)
	}
	now := s.Now()
	_, live, err := q.ListSessionTokens(ctx, store.SessionTokenFilter{UserID: u.ID, ActiveAt: now}, store.Page{Limit: 1})
	if err != nil {
		return IssuedSessionToken{}, fmt.Errorf("count session tokens: %w", err)
	}
	if live >= MaxLiveSessionTokens {
		return IssuedSessionToken{}, Errorf(QuotaExceeded,
			"machine user %q already holds %d unexpired session tokens, the most it may hold at once; close the ones no longer "+
				"in use (DELETE %s/{token}) or wait for them to expire, then open a new one", u.Username, live, SessionTokensPath(u))
	}
	seconds := float64(DefaultSessionTokenSeconds)
	if in.ExpiresInSeconds != nil {
		seconds = *in.ExpiresInSeconds
	}
	text, id, hash := newCredential(sessionTokenPrefix)
	name := "session-" + id
	if in.Name != nil {
		name = *in.Name
	}
	t := store.SessionToken{ID: id, UserID: u.ID, Name: name, SecretHash: hash, Suffix: keySuffix(text),
		ExpiresAt: now.Add(time.Duration(seconds) * time.Second), Meta: store.NewMeta(now, string(by))}
	if err := q.CreateSessionToken(ctx, t); err != nil {
		// Only a clash of random ids (one in 36^12) could conflict.
		return IssuedSessionToken{}, fmt.Errorf("create session token: %w", err)
	}
	return IssuedSessionToken{SessionToken: t, Text: text}, nil
}

// SessionTokenNotFound is the answer about a token that is not one of the
// user's (or was purged, expired).
func SessionTokenNotFound(id string) *Error {
	return Errorf(NotFound, "session token %q not found (an expired token is deleted soon after it expires)", id)
}

// SessionTokenOf returns the session token id of user u; other users'
// tokens are not found.
func (s *Service) SessionTokenOf(ctx context.Context, q store.Queries, u store.User, id string) (store.SessionToken, error) {
	return Find(func() (store.SessionToken, error) { return q.GetSessionToken(ctx, id) },
		func(t store.SessionToken) bool { return t.UserID == u.ID }, SessionTokenNotFound(id), "get session token")
}

// DeleteSessionToken closes the token id of user u: from the commit on it
// authenticates nothing, as every request looks its token up in the store.
func (s *Service) DeleteSessionToken(ctx context.Context, q store.Queries, u store.User, id string) error {
	if _, err := s.SessionTokenOf(ctx, q, u, id); err != nil {
		return err
	}
	if err := q.DeleteSessionToken(ctx, id); errors.Is(err, store.ErrNotFound) {
		return SessionTokenNotFound(id) // deleted by a concurrent request, or purged
	} else if err != nil {
		return fmt.Errorf("delete session token: %w", err)
	}
	return nil
}

// RevokeSessionTokens closes every session token of machine user u at once,
// for when they may have leaked (a pipeline's logs, a compromised runner):
// from the commit on none of them authenticates, as every request looks its
// token up in the store. It returns how many of them still worked; the
// expired ones the purge has not reached yet go too, uncounted. The user's
// access keys are not touched: revoking those is deleting them, one by one,
// since each may be in use elsewhere.
func (s *Service) RevokeSessionTokens(ctx context.Context, q store.Queries, u store.User) (int, error) {
	if u.Type != store.UserTypeMachine {
		return 0, Errorf(FailedPrecondition, "user %q is a person: people have no session tokens", u.Username)
	}
	_, live, err := q.ListSessionTokens(ctx, store.SessionTokenFilter{UserID: u.ID, ActiveAt: s.Now()}, store.Page{Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("count session tokens: %w", err)
	}
	if _, err := q.DeleteSessionTokensOfUser(ctx, u.ID); err != nil {
		return 0, fmt.Errorf("delete session tokens: %w", err)
	}
	return live, nil
}

// SessionTokenExpired reports whether t has expired at the time at: an
// expired token authenticates nothing, and the server deletes it.
func SessionTokenExpired(t store.SessionToken, at time.Time) bool { return !at.Before(t.ExpiresAt) }

// MaskedSessionToken is how reads show a token: its id and the end of its
// text (part of the checksum, not of the secret).
func MaskedSessionToken(t store.SessionToken) string {
	return sessionTokenPrefix + "_" + t.ID + "_…" + t.Suffix
}
