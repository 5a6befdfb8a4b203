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
	// MaxUnconfirmedKeys bounds the keys of one user awaiting confirmation:
	// they count against no quota, so something else must stop a caller
	// from making them without end.
	MaxUnconfirmedKeys = 5
	// DefaultUnconfirmedKeyLease is how long an unconfirmed key waits for
	// its confirmation: longer than any client's retries of one create and
	// its confirmation, short enough that a pipeline re-run after a crash
	// finds the lost key gone or going.
	DefaultUnconfirmedKeyLease = 15 * time.Minute
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
	// RequireConfirmation: the key works only once its creator confirms
	// it received the secret (ConfirmAccessKey), and is deleted if that
	// does not happen within the lease. A create whose answer was lost then
	// leaves no key behind that nobody holds and that counts against the
	// quota. Only for keys of machine users.
	RequireConfirmation *bool
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
		if KeyLapsed(k, now) {
			// Gone but for the purge; it must not hold its name.
			if err := s.forgetLapsedKey(ctx, q, u, k); err != nil {
				return IssuedKey{}, err
			}
			continue
		}
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
	unconfirmed := in.RequireConfirmation != nil && *in.RequireConfirmation
	if unconfirmed {
		n, err := countActiveKeys(ctx, q, store.AccessKeyFilter{UserID: u.ID, UnconfirmedAt: now})
		if err != nil {
			return IssuedKey{}, err
		}
		if n >= MaxUnconfirmedKeys {
			return IssuedKey{}, Errorf(QuotaExceeded,
				"user %q already has %d access keys awaiting confirmation, the most it may have; confirm them "+
					"(POST %s/{key}/confirm) or delete them, or wait: an unconfirmed key is deleted %s after it was created",
				u.Username, n, MachineUserKeysPath(u), s.keyLease)
		}
	}
	text, id, hash := newAccessKey()
	k := store.AccessKey{ID: id, UserID: u.ID, Name: *in.Name, SecretHash: hash, Suffix: keySuffix(text),
		SelfService: own, ExpiresAt: now.AddDate(0, 0, int(*in.ExpiresInDays)), Meta: store.NewMeta(now, string(by))}
	if unconfirmed {
		k.ConfirmBy = now.Add(s.keyLease)
	}
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

// AccessKeyOf returns the key id of user u; keys of other users, and
// unconfirmed keys whose time to confirm ran out, are not found.
func (s *Service) AccessKeyOf(ctx context.Context, q store.Queries, u store.User, id string) (store.AccessKey, error) {
	now := s.Now()
	return Find(func() (store.AccessKey, error) { return q.GetAccessKey(ctx, id) },
		func(k store.AccessKey) bool { return k.UserID == u.ID && !KeyLapsed(k, now) }, AccessKeyNotFound(id), "get access key")
}

// ConfirmAccessKey confirms that the creator of user u's key id received
// its secret: from then on the key authenticates and counts against the
// quota, like any key. Confirming a confirmed key changes nothing (a retry
// of a confirmation whose answer was lost succeeds). A key that waited past
// its lease is gone; so is the confirmation of a key that would exceed the
// quota (another key was made meanwhile): 409, and the key stays
// unconfirmed until its lease runs out or it is deleted.
func (s *Service) ConfirmAccessKey(ctx context.Context, q store.Queries, by Actor, u store.User, id string) (store.AccessKey, error) {
	k, err := s.AccessKeyOf(ctx, q, u, id)
	if err != nil || k.ConfirmBy.IsZero() {
		return k, err
	}
	now := s.Now()
	switch {
	case k.SelfService:
		live, err := countActiveKeys(ctx, q, store.AccessKeyFilter{UserID: u.ID, SelfServiceOnly: true, ActiveAt: now})
		if err != nil {
			return store.AccessKey{}, err
		}
		if live >= MaxOwnKeys {
			return store.AccessKey{}, Errorf(QuotaExceeded,
				"you already have %d unexpired access key created under %s, the most a person may create there; "+
					"delete it (DELETE %s/{key}) before confirming another", live, OwnKeysPath, OwnKeysPath)
		}
	case u.Type == store.UserTypeMachine:
		live, err := countActiveKeys(ctx, q, store.AccessKeyFilter{UserID: u.ID, ActiveAt: now})
		if err != nil {
			return store.AccessKey{}, err
		}
		if live >= MaxMachineUserKeys {
			return store.AccessKey{}, Errorf(QuotaExceeded,
				"machine user %q already has %d unexpired access keys, the most a machine user may have; delete a key "+
					"(DELETE %s/{key}) before confirming another; this one is deleted %s unless confirmed",
				u.Username, live, MachineUserKeysPath(u), k.ConfirmBy.Format(time.RFC3339))
		}
	}
	k.ConfirmBy = time.Time{}
	k.Meta.UpdatedAt, k.Meta.UpdatedBy, k.Meta.Sequence = now, string(by), k.Meta.Sequence+1
	if err := q.ConfirmAccessKey(ctx, id, k.Meta); errors.Is(err, store.ErrNotFound) {
		return store.AccessKey{}, AccessKeyNotFound(id) // deleted by a concurrent request
	} else if err != nil {
		return store.AccessKey{}, fmt.Errorf("confirm access key: %w", err)
	}
	return k, nil
}

// KeyLapsed reports whether k awaited confirmation past its lease at time
// at: it is gone, and only waits for the purge.
func KeyLapsed(k store.AccessKey, at time.Time) bool {
	return !k.ConfirmBy.IsZero() && !at.Before(k.ConfirmBy)
}

// KeyUnconfirmed reports whether k still awaits its confirmation at time at.
func KeyUnconfirmed(k store.AccessKey, at time.Time) bool {
	return !k.ConfirmBy.IsZero() && at.Before(k.ConfirmBy)
}

// PurgeLapsedAccessKeys deletes up to limit unconfirmed keys whose lease ran
// out, each with the idempotency records of its create (a retry of that
// create then makes a new key rather than replay a deleted one), and says
// how many went.
func (s *Service) PurgeLapsedAccessKeys(ctx context.Context, q store.Queries, limit int) (int, error) {
	lapsed, err := q.ListLapsedAccessKeys(ctx, s.Now(), limit)
	if err != nil {
		return 0, fmt.Errorf("list lapsed access keys: %w", err)
	}
	users := map[string]store.User{}
	for _, k := range lapsed {
		u, seen := users[k.UserID]
		if !seen {
			// The user exists: deleting it deletes its keys.
			if u, err = q.GetUser(ctx, k.UserID); err != nil {
				return 0, fmt.Errorf("get the user of access key %s: %w", k.ID, err)
			}
			users[k.UserID] = u
		}
		if err := s.forgetLapsedKey(ctx, q, u, k); err != nil {
			return 0, err
		}
	}
	return len(lapsed), nil
}

// forgetLapsedKey deletes k, a key of u whose lease ran out, and the
// idempotency records of its create.
func (s *Service) forgetLapsedKey(ctx context.Context, q store.Queries, u store.User, k store.AccessKey) error {
	if err := q.DeleteAccessKey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete lapsed access key: %w", err)
	}
	base := OwnKeysPath
	if !k.SelfService {
		base = MachineUserKeysPath(u)
	}
	return q.ForgetIdempotencyRecords(ctx, base+"/"+url.PathEscape(k.ID))
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
