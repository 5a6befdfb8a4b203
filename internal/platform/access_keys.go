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

// Quotas and bounds of access keys. The quotas count the keys that still
// work: an expired key authenticates nothing, so it takes no place either,
// and a key that expired while nobody was watching never blocks the next
// one. It stays listed (state "expired") until someone deletes it, and keeps
// its name. A machine user's quota counts all of its unexpired keys; a
// person's counts only the unexpired keys it made for itself
// (operator-issued keys do not count). Session tokens (session_tokens.go)
// are not keys and count against neither.
const (
	MaxMachineUserKeys = 2 // enough to rotate with overlap
	MaxOwnKeys         = 1 // keys a person makes for itself
	MaxKeyDays         = 365
)

// OwnKeysPath is the API path where people manage their own keys; the quota
// messages tell the caller where to delete one.
const OwnKeysPath = "/api/v1/users/me/access-keys"

// MachineUserKeysPath is the API path where the keys of machine user u are
// managed.
func MachineUserKeysPath(u store.User) string {
	return "/api/v1/organizations/" + url.PathEscape(u.OrganizationID) + "/machine-users/" + url.PathEscape(PublicUserID(u.ID)) + "/access-keys"
}

// AccessKeyCreate is the input of creating an access key. A nil field was
// left out by the caller.
type AccessKeyCreate struct {
	Name          *string  // 1–200 characters, unique among the user's keys
	ExpiresInDays *float64 // a whole number from 1 to MaxKeyDays
}

// Check adds the field rules the input breaks to v.
func (in AccessKeyCreate) Check(v *Violations) { in.check(v, "") }

// check names the fields with prefix, as they were sent (for the initial key
// of a machine user, "accessKey.").
func (in AccessKeyCreate) check(v *Violations, prefix string) {
	checkRequired(v, prefix+"name", in.Name, "is required", checkKeyName)
	switch days := in.ExpiresInDays; {
	case days == nil:
		v.Add(prefix+"expiresInDays", "is required (a whole number of days from 1 to %d)", MaxKeyDays)
	case *days != math.Trunc(*days) || *days < 1 || *days > MaxKeyDays:
		v.Add(prefix+"expiresInDays", "must be a whole number of days from 1 to %d, got %v", MaxKeyDays, *days)
	}
}

// IssuedKey is a key just created: the stored row and the key's text, which
// is shown this once and never again.
type IssuedKey struct {
	store.AccessKey
	Text string
}

// CreateAccessKey creates a key for user u, issued by an organization owner
// (for a machine user) or by the operator (for anyone). A machine user holds
// at most MaxMachineUserKeys keys.
func (s *Service) CreateAccessKey(ctx context.Context, q store.Queries, by Actor, u store.User, in AccessKeyCreate) (IssuedKey, error) {
	return s.createKey(ctx, q, by, u, in, false)
}

// CreateOwnAccessKey creates a key a person makes for itself; a person makes
// at most MaxOwnKeys.
func (s *Service) CreateOwnAccessKey(ctx context.Context, q store.Queries, person store.User, in AccessKeyCreate) (IssuedKey, error) {
	return s.createKey(ctx, q, Actor(person.ID), person, in, true)
}

func (s *Service) createKey(ctx context.Context, q store.Queries, by Actor, u store.User, in AccessKeyCreate,
	own bool) (IssuedKey, error) {
	if err := check(in); err != nil {
		return IssuedKey{}, err
	}
	nameTaken := FieldErrorf(AlreadyExists, "name",
		"user %q already has an access key named %q; choose another name", u.Username, *in.Name)
	all, _, err := q.ListAccessKeys(ctx, store.AccessKeyFilter{UserID: u.ID}, store.Page{Limit: 1000})
	if err != nil {
		return IssuedKey{}, fmt.Errorf("list access keys: %w", err)
	}
	now := s.Now()
	for _, k := range all {
		if k.Name == *in.Name && KeyExpired(k, now) {
			return IssuedKey{}, FieldErrorf(AlreadyExists, "name",
				"user %q already has an access key named %q, expired since %s; choose another name, or delete the expired key first",
				u.Username, *in.Name, k.ExpiresAt.Format(time.RFC3339))
		}
		if k.Name == *in.Name {
			return IssuedKey{}, nameTaken
		}
	}
	switch {
	case own:
		live, err := countActiveKeys(ctx, q, store.AccessKeyFilter{UserID: u.ID, SelfServiceOnly: true, ActiveAt: now})
		if err != nil {
			return IssuedKey{}, err
		}
		if live >= MaxOwnKeys {
			return IssuedKey{}, Errorf(QuotaExceeded,
				"you already have %d unexpired access key created under %s, the most a person may create there; "+
					"delete it (DELETE %s/{key}) before creating another (expired keys do not count)", live, OwnKeysPath, OwnKeysPath)
		}
	case u.Type == store.UserTypeMachine:
		live, err := countActiveKeys(ctx, q, store.AccessKeyFilter{UserID: u.ID, ActiveAt: now})
		if err != nil {
			return IssuedKey{}, err
		}
		if live >= MaxMachineUserKeys {
			return IssuedKey{}, Errorf(QuotaExceeded,
				"machine user %q already has %d unexpired access keys, the most a machine user may have; delete a key first "+
					"(DELETE %s/{key}) — to rotate, create the new key while the old one still works, switch to it, "+
					"then delete the old one. Expired keys do not count; for a credential that lasts one run, "+
					"open a session token instead (%s), which never counts against this quota",
				u.Username, live, MachineUserKeysPath(u), SessionTokensPath(u))
		}
	}
	text, id, hash := newAccessKey()
	k := store.AccessKey{ID: id, UserID: u.ID, Name: *in.Name, SecretHash: hash, Suffix: keySuffix(text),
		SelfService: own, ExpiresAt: now.AddDate(0, 0, int(*in.ExpiresInDays)), Meta: store.NewMeta(now, string(by))}
	if err := q.CreateAccessKey(ctx, k); errors.Is(err, store.ErrConflict) {
		return IssuedKey{}, nameTaken
	} else if err != nil {
		return IssuedKey{}, fmt.Errorf("create access key: %w", err)
	}
	return IssuedKey{AccessKey: k, Text: text}, nil
}

// countActiveKeys counts the keys f selects (f.ActiveAt set: those that
// count against a quota).
func countActiveKeys(ctx context.Context, q store.Queries, f store.AccessKeyFilter) (int, error) {
	_, n, err := q.ListAccessKeys(ctx, f, store.Page{Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("count access keys: %w", err)
	}
	return n, nil
}

// AccessKeyNotFound is the answer about a key that is not one of the user's.
func AccessKeyNotFound(id string) *Error {
	return Errorf(NotFound, "access key %q not found", id)
}

// AccessKeyOf returns the key id of user u; keys of other users are not found.
func (s *Service) AccessKeyOf(ctx context.Context, q store.Queries, u store.User, id string) (store.AccessKey, error) {
	return Find(func() (store.AccessKey, error) { return q.GetAccessKey(ctx, id) },
		func(k store.AccessKey) bool { return k.UserID == u.ID }, AccessKeyNotFound(id), "get access key")
}

// DeleteAccessKey deletes the key id of user u. From the commit on, the key
// authenticates nothing: every request looks its key up in the store.
func (s *Service) DeleteAccessKey(ctx context.Context, q store.Queries, u store.User, id string) error {
	if _, err := s.AccessKeyOf(ctx, q, u, id); err != nil {
		return err
	}
	if err := q.DeleteAccessKey(ctx, id); errors.Is(err, store.ErrNotFound) {
		return AccessKeyNotFound(id) // deleted by a concurrent request
	} else if err != nil {
		return fmt.Errorf("delete access key: %w", err)
	}
	return nil
}
