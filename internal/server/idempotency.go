package server

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/seal"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 255
	// idempotencyTTL is how long a first answer is kept for replay: far longer
	// than any client retries, short enough that the table stays small.
	idempotencyTTL = 24 * time.Hour
	// purgeInterval is how often expired answers (and expired session
	// tokens) are deleted, so that none outlives its TTL by much, whether or
	// not anyone creates anything. Config.PurgeInterval overrides it.
	purgeInterval = 10 * time.Minute
)

// idempotency is the Idempotency-Key of a POST (key "" when there is none),
// the fingerprint of the request it came with, and the key that seals the
// request's first answer.
//
// The store keeps first answers so that a retry gets the same one, also on
// another replica or after a restart; an answer can carry a new access key's
// secret, and the request a database password. So neither is kept readable:
// both keys derive from the caller's credential, which the store never holds
// (it keeps a hash of the key), the user's id and the Idempotency-Key. A
// copy of the store shows no secret, and its fingerprints cannot be used to
// test guesses of a password offline. A retry must come with the same
// access key; with another, its fingerprint differs, as for another request.
type idempotency struct {
	key         string
	fingerprint string   // hex HMAC of method, path and body
	answerKey   seal.Key // seals the first answer
	aad         []byte   // binds the sealed answer to its record
}

// readIdempotency reads the Idempotency-Key header of r, whose body is body,
// sent by c.
func readIdempotency(r *http.Request, c *caller, body []byte) (idempotency, error) {
	key := r.Header.Get(idempotencyHeader)
	if _, present := r.Header[idempotencyHeader]; !present {
		return idempotency{}, nil
	}
	if key == "" || len(key) > maxIdempotencyKey || !printableASCII(key) {
		return idempotency{}, platform.FieldErrorf(platform.InvalidArgument, idempotencyHeader,
			"must be 1 to %d printable ASCII characters, e.g. a UUID", maxIdempotencyKey)
	}
	record := "\x00" + c.user.ID + "\x00" + key
	fingerprintKey := seal.Derive(c.credential, "pgcloud idempotency fingerprint v1"+record)
	return idempotency{
		key:         key,
		fingerprint: hex.EncodeToString(fingerprintKey.MAC([]byte(r.Method + "\n" + r.URL.Path + "\n" + string(body)))),
		answerKey:   seal.Derive(c.credential, "pgcloud idempotency answer v1"+record),
		aad:         []byte(record),
	}, nil
}

// readCreate reads the body of a create with parse (see readInput) and the
// request's Idempotency-Key.
func readCreate[T any](r *http.Request, c *caller, parse func(body []byte) (T, error)) (T, idempotency, error) {
	in, body, err := readInput(r, parse)
	if err != nil {
		return in, idempotency{}, err
	}
	idem, err := readIdempotency(r, c, body)
	return in, idem, err
}

// answer is the first answer of an Idempotency-Key, as it is replayed.
type answer struct {
	status   int
	location string
	body     []byte
}

// firstAnswer returns the first answer of the caller's key when it is still
// fresh, nil when there is none; an expired one is deleted, and the key is
// then as good as new. Reusing a key for another request (or with another
// access key) is a 422 on the header.
func (s *Server) firstAnswer(ctx context.Context, q store.Queries, c *caller, idem idempotency) (*answer, error) {
	rec, err := q.GetIdempotencyRecord(ctx, c.user.ID, idem.key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case s.platform.Now().Sub(rec.CreatedAt) >= idempotencyTTL:
		return nil, q.DeleteIdempotencyRecord(ctx, c.user.ID, idem.key)
	case subtle.ConstantTimeCompare([]byte(rec.RequestHash), []byte(idem.fingerprint)) != 1:
		return nil, platform.FieldErrorf(platform.InvalidArgument, idempotencyHeader,
			"this key was already used for a different request (method, path or body differ, or another access key sent it); "+
				"use a new key for a new request")
	}
	body, err := idem.answerKey.Open(rec.Body, idem.aad)
	if err != nil {
		// The fingerprint matched, so the key is right: the row was changed.
		return nil, fmt.Errorf("open the first answer of an idempotency key: %w", err)
	}
	return &answer{status: rec.Status, location: rec.Location, body: body}, nil
}

// keepAnswer stores the first answer of the caller's key (after firstAnswer
// found none), sealed. Should another replica have stored the key since, the
// store answers ErrConflict.
func (s *Server) keepAnswer(ctx context.Context, q store.Queries, c *caller, idem idempotency, status int, location string, body []byte) error {
	return q.PutIdempotencyRecord(ctx, store.IdempotencyRecord{UserID: c.user.ID, Key: idem.key, RequestHash: idem.fingerprint,
		Status: status, Location: location, Body: idem.answerKey.Seal(body, idem.aad), CreatedAt: s.platform.Now()})
}

// purgeExpiredAnswers deletes the first answers older than the TTL.
func (s *Server) purgeExpiredAnswers(ctx context.Context) error {
	return s.store.DeleteIdempotencyRecordsBefore(ctx, s.platform.Now().Add(-idempotencyTTL))
}

// purgeEvery runs the purges — of expired idempotency answers
// (purgeExpiredAnswers) and of expired session tokens
// (purgeExpiredSessionTokens) and of unconfirmed access keys past their
// lease (purgeLapsedAccessKeys) — now and then every interval until stop is
// called; a failure is logged and tried again next time. Each replica runs
// its own: a purge finds what is expired in the store, and finds nothing
// when another replica purged first.
func (s *Server) purgeEvery(interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	purges := []struct {
		what string
		run  func(context.Context) error
	}{
		{"expired idempotency records", s.purgeExpiredAnswers},
		{"expired session tokens", s.purgeExpiredSessionTokens},
		{"unconfirmed access keys past their lease", s.purgeLapsedAccessKeys},
	}
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			for _, p := range purges {
				if err := p.run(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("could not delete "+p.what, "error", err.Error())
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// writeAnswer writes an answer of a POST; replayed says it is the first
// answer of its Idempotency-Key again.
func writeAnswer(w http.ResponseWriter, status int, location string, body []byte, replayed bool) {
	if location != "" {
		w.Header().Set("Location", location)
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeRaw(w, status, body)
}

func writeReplay(w http.ResponseWriter, a *answer) {
	writeAnswer(w, a.status, a.location, a.body, true)
}

// create reads the request's body with parse and runs fn on what it made
// of it — fn does all its reads and writes through q, and returns the new
// object in its envelope — in one write transaction, together with the
// Idempotency-Key bookkeeping. The answer is 201 with the envelope, at its
// href:
//
//   - no key: fn runs, its answer is written;
//   - a key seen before with the same method, path and body: the first answer
//     is written again, byte for byte, with Idempotent-Replayed: true, and fn
//     does not run (so nothing is created twice);
//   - a key seen before with another request: 422 on the header;
//   - a new key: fn runs and its answer is stored in the same transaction as
//     the object, so the record exists exactly when the object does, also
//     after a crash or a restart.
//
// Write transactions are serialized by the store, so two concurrent requests
// with one key cannot both miss the record: the second waits for the first to
// commit and then replays it.
func create[T any](s *Server, w http.ResponseWriter, r *http.Request, c *caller, parse func(body []byte) (T, error),
	fn func(ctx context.Context, q store.Queries, in T) (envelope, error)) error {
	ctx := r.Context()
	in, idem, err := readCreate(r, c, parse)
	if err != nil {
		return err
	}
	var (
		replay *answer
		env    envelope
		out    []byte
	)
	// A second attempt only happens if another replica stored the same key
	// between our read and our write (a conflict on the record's primary
	// key); it then finds and replays that record.
	for attempt := 0; attempt < 2; attempt++ {
		err = s.store.InTx(ctx, func(q store.Queries) error {
			if idem.key != "" {
				var err error
				if replay, err = s.firstAnswer(ctx, q, c, idem); err != nil || replay != nil {
					return err
				}
			}
			var err error
			if env, err = fn(ctx, q, in); err != nil {
				return err
			}
			if out, err = marshalJSON(env); err != nil || idem.key == "" {
				return err
			}
			return s.keepAnswer(ctx, q, c, idem, http.StatusCreated, env.Href, out)
		})
		if !(errors.Is(err, store.ErrConflict) && idem.key != "") {
			break
		}
	}
	switch {
	case err != nil:
		return err
	case replay != nil:
		writeReplay(w, replay)
	default:
		writeAnswer(w, http.StatusCreated, env.Href, out, false)
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotencyKeyProps describe the first answer an Idempotency-Key of the
// caller holds; its body stays sealed (and may carry a secret).
type idempotencyKeyProps struct {
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// getIdempotencyKey tells the caller whether one of its Idempotency-Keys
// holds a first answer, which a create sent again with that key would get:
// a client that lost the answer of a create can tell at plan time that
// sending it again adopts the object rather than clashes with it. Only the
// caller's own keys are found (keys are per user), and the sealed body is
// not shown.
func (s *Server) getIdempotencyKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	key := r.PathValue("idempotencyKey")
	rec, err := s.store.GetIdempotencyRecord(r.Context(), c.user.ID, key)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && s.platform.Now().Sub(rec.CreatedAt) >= idempotencyTTL:
		return errNotFound("no first answer is kept for Idempotency-Key %q of this user", key)
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, envelope{Type: "idempotency-key", ID: key, Href: apiPrefix + "/idempotency-keys/" + pathID(key),
		Metadata:   metadata(store.NewMeta(rec.CreatedAt, c.user.ID), c.user.OrganizationID),
		Properties: idempotencyKeyProps{Status: rec.Status, Location: rec.Location}})
	return nil
}
