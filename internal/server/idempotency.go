package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 255
	// idempotencyTTL is how long a first answer is kept for replay: far longer
	// than any client retries, short enough that the table stays small.
	idempotencyTTL = 24 * time.Hour
)

// idempotency is the Idempotency-Key of a POST (key "" when there is none)
// and the fingerprint of the request it came with.
type idempotency struct {
	key  string
	hash string
}

// readIdempotency reads the Idempotency-Key header of r, whose body is body.
// The fingerprint covers method, path and body, so that a key reused for
// another request is told apart.
func readIdempotency(r *http.Request, body []byte) (idempotency, error) {
	key := r.Header.Get(idempotencyHeader)
	if _, present := r.Header[idempotencyHeader]; present && (key == "" || len(key) > maxIdempotencyKey || !printableASCII(key)) {
		return idempotency{}, platform.FieldErrorf(platform.InvalidArgument, idempotencyHeader,
			"must be 1 to %d printable ASCII characters, e.g. a UUID", maxIdempotencyKey)
	}
	sum := sha256.Sum256([]byte(r.Method + "\n" + r.URL.Path + "\n" + string(body)))
	return idempotency{key: key, hash: hex.EncodeToString(sum[:])}, nil
}

// readCreate reads the body of a create with parse (see readInput) and the
// request's Idempotency-Key.
func readCreate[T any](r *http.Request, parse func(body []byte) (T, error)) (T, idempotency, error) {
	in, body, err := readInput(r, parse)
	if err != nil {
		return in, idempotency{}, err
	}
	idem, err := readIdempotency(r, body)
	return in, idem, err
}

// firstAnswer returns the stored first answer of the caller's key when it
// is still fresh, nil when there is none; an expired one is deleted, and the
// key is then as good as new. Reusing a key for another request is a 422 on
// the header.
func (s *Server) firstAnswer(ctx context.Context, q store.Queries, c *caller, idem idempotency) (*store.IdempotencyRecord, error) {
	rec, err := q.GetIdempotencyRecord(ctx, c.user.ID, idem.key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case s.platform.Now().Sub(rec.CreatedAt) >= idempotencyTTL:
		return nil, q.DeleteIdempotencyRecord(ctx, c.user.ID, idem.key)
	case rec.RequestHash != idem.hash:
		return nil, platform.FieldErrorf(platform.InvalidArgument, idempotencyHeader,
			"this key was already used for a different request (method, path or body differ); use a new key for a new request")
	}
	return &rec, nil
}

// keepAnswer stores the first answer of the caller's key (after
// firstAnswer found none), and drops every record older than the TTL.
// Should another replica have stored the key since, the store answers
// ErrConflict.
func (s *Server) keepAnswer(ctx context.Context, q store.Queries, c *caller, idem idempotency, status int, location string, body []byte) error {
	now := s.platform.Now()
	if err := q.DeleteIdempotencyRecordsBefore(ctx, now.Add(-idempotencyTTL)); err != nil {
		return err
	}
	return q.PutIdempotencyRecord(ctx, store.IdempotencyRecord{UserID: c.user.ID, Key: idem.key, RequestHash: idem.hash,
		Status: status, Location: location, Body: body, CreatedAt: now})
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

func writeReplay(w http.ResponseWriter, rec *store.IdempotencyRecord) {
	writeAnswer(w, rec.Status, rec.Location, rec.Body, true)
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
	in, idem, err := readCreate(r, parse)
	if err != nil {
		return err
	}
	var (
		replay *store.IdempotencyRecord
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
