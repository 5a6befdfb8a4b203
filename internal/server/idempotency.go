package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 255
	// idempotencyTTL is how long a first answer is kept for replay: far longer
	// than any client retries, short enough that the table stays small.
	idempotencyTTL = 24 * time.Hour
)

// created is what a create handler produced inside its transaction.
type created struct {
	status   int
	location string
	body     any
}

// errRollback aborts a transaction whose outcome is an API error already
// recorded by the caller.
var errRollback = errors.New("rollback")

// create runs fn — which does all its reads and writes through q — in one
// write transaction, together with the Idempotency-Key bookkeeping:
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
func (s *Server) create(w http.ResponseWriter, r *http.Request, c *caller, body []byte,
	fn func(ctx context.Context, q store.Queries) (created, *apiError)) *apiError {
	ctx := r.Context()
	key := r.Header.Get(idempotencyHeader)
	if _, present := r.Header[idempotencyHeader]; present && (key == "" || len(key) > maxIdempotencyKey || !printableASCII(key)) {
		return fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, idempotencyHeader,
			"must be 1 to %d printable ASCII characters, e.g. a UUID", maxIdempotencyKey)
	}
	sum := sha256.Sum256([]byte(r.Method + "\n" + r.URL.Path + "\n" + string(body)))
	hash := hex.EncodeToString(sum[:])

	var (
		replay  *store.IdempotencyRecord
		res     created
		out     []byte
		failure *apiError
	)
	// A second attempt only happens if another replica stored the same key
	// between our read and our write (a conflict on the record's primary
	// key); it then finds and replays that record.
	for attempt := 0; attempt < 2; attempt++ {
		replay, failure = nil, nil
		err := s.store.InTx(ctx, func(q store.Queries) error {
			now := s.now()
			if key != "" {
				rec, err := q.GetIdempotencyRecord(ctx, c.user.ID, key)
				switch {
				case err == nil && now.Sub(rec.CreatedAt) < idempotencyTTL:
					if rec.RequestHash != hash {
						failure = fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, idempotencyHeader,
							"this key was already used for a different request (method, path or body differ); use a new key for a new request")
						return errRollback
					}
					replay = &rec
					return nil
				case err == nil: // expired: forget it and treat the key as new
					if err := q.DeleteIdempotencyRecord(ctx, c.user.ID, key); err != nil {
						return err
					}
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			res, failure = fn(ctx, q)
			if failure != nil {
				return errRollback
			}
			var err error
			if out, err = marshalJSON(res.body); err != nil {
				return err
			}
			if key == "" {
				return nil
			}
			if err := q.DeleteIdempotencyRecordsBefore(ctx, now.Add(-idempotencyTTL)); err != nil {
				return err
			}
			return q.PutIdempotencyRecord(ctx, store.IdempotencyRecord{UserID: c.user.ID, Key: key, RequestHash: hash,
				Status: res.status, Location: res.location, Body: out, CreatedAt: now})
		})
		switch {
		case failure != nil:
			return failure
		case errors.Is(err, store.ErrConflict) && key != "" && attempt == 0:
			continue
		case err != nil:
			return s.internal(ctx, "create", err)
		}
		break
	}
	if replay != nil {
		if replay.Location != "" {
			w.Header().Set("Location", replay.Location)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, replay.Status, replay.Body)
		return nil
	}
	if res.location != "" {
		w.Header().Set("Location", res.location)
	}
	writeRaw(w, res.status, out)
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
