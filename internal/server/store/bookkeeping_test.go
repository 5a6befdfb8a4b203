package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestIdempotencyRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)
		must(t, s.CreateUser(ctx, User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
		put := func(key, location string, created time.Time) IdempotencyRecord {
			r := IdempotencyRecord{UserID: "u", Key: key, RequestHash: "h-" + key, Status: 201, Location: location,
				Body: []byte{0, 1, 2, 255}, CreatedAt: created}
			must(t, s.PutIdempotencyRecord(ctx, r))
			return r
		}
		r := put("k1", "/api/v1/x/a%20b", seedTime)
		got, err := s.GetIdempotencyRecord(ctx, "u", "k1")
		if err != nil || got.UserID != r.UserID || got.Key != r.Key || got.RequestHash != r.RequestHash || got.Status != r.Status ||
			got.Location != r.Location || string(got.Body) != string(r.Body) || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("round trip %+v %v, want %+v", got, err, r)
		}
		if _, err := s.GetIdempotencyRecord(ctx, "u", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing record: %v", err)
		}
		must(t, s.DeleteIdempotencyRecord(ctx, "u", "k1"))
		if _, err := s.GetIdempotencyRecord(ctx, "u", "k1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted record: %v", err)
		}
		must(t, s.DeleteIdempotencyRecord(ctx, "u", "k1")) // deleting nothing is no error

		// Records expire to the nanosecond.
		put("old", "/api/v1/old", seedTime)
		must(t, s.DeleteIdempotencyRecordsBefore(ctx, seedTime))
		if _, err := s.GetIdempotencyRecord(ctx, "u", "old"); err != nil {
			t.Errorf("a record made at t went with those before t: %v", err)
		}
		must(t, s.DeleteIdempotencyRecordsBefore(ctx, seedTime.Add(time.Nanosecond)))
		if _, err := s.GetIdempotencyRecord(ctx, "u", "old"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a record made before t+1ns outlived its expiry: %v", err)
		}

		// Forgetting a location forgets what is below it and nothing else,
		// with % in a location read as itself, not as a wildcard.
		put("user", "/api/v1/x/a%20b", seedTime)
		put("key", "/api/v1/x/a%20b/access-keys/1", seedTime)
		put("sibling", "/api/v1/x/a%20bc", seedTime)
		put("wildcard", "/api/v1/x/aX20b/access-keys/1", seedTime)
		must(t, s.ForgetIdempotencyRecords(ctx, "/api/v1/x/a%20b"))
		for key, kept := range map[string]bool{"user": false, "key": false, "sibling": true, "wildcard": true} {
			_, err := s.GetIdempotencyRecord(ctx, "u", key)
			if kept && err != nil || !kept && !errors.Is(err, ErrNotFound) {
				t.Errorf("record %s after forgetting: %v (kept: want %v)", key, err, kept)
			}
		}
	})
}

func TestServerState(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		if _, err := s.GetState(ctx, "bootstrap"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unset state: %v", err)
		}
		must(t, s.SetState(ctx, "bootstrap", "done"))
		must(t, s.SetState(ctx, "bootstrap", "done twice"))
		if v, err := s.GetState(ctx, "bootstrap"); err != nil || v != "done twice" {
			t.Errorf("state %q %v", v, err)
		}
	})
}
