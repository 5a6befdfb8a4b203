package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
		put("deep", "/api/v1/x/a%20b/ü/ü", seedTime)
		put("sibling", "/api/v1/x/a%20bc", seedTime)
		// The bytes on either side of '/' and '0', the range's bounds.
		put("dot", "/api/v1/x/a%20b.", seedTime)
		put("zero", "/api/v1/x/a%20b0", seedTime)
		put("zeroBelow", "/api/v1/x/a%20b0/access-keys/1", seedTime)
		put("wildcard", "/api/v1/x/aX20b/access-keys/1", seedTime)
		must(t, s.ForgetIdempotencyRecords(ctx, "/api/v1/x/a%20b"))
		for key, kept := range map[string]bool{"user": false, "key": false, "deep": false,
			"sibling": true, "dot": true, "zero": true, "zeroBelow": true, "wildcard": true} {
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

// TestForgetIdempotencyRecordsUsesTheIndex: every delete of an object runs
// ForgetIdempotencyRecords, so a scan of the table there makes a destroy of
// N objects cost N times the table. Each store's planner must answer it
// from idempotency_keys_location; on PostgreSQL, with sequential scans
// priced out, so that a plan for this near-empty table shows whether the
// index can serve the query at all (it cannot if the collations differ).
func TestForgetIdempotencyRecordsUsesTheIndex(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := sqlOf(t, db.open(t))
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		var q dbtx = tx
		explain := "EXPLAIN QUERY PLAN "
		if s.dialect.placeholders != nil {
			q = s.dialect.placeholders(tx)
		}
		if db.postgres != "" {
			explain = "EXPLAIN "
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := q.QueryContext(ctx, explain+forgetIdempotencyRecords, "/a/b", "/a/b/", "/a/b0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rows.Close() }()
		cols, _ := rows.Columns()
		var plan []string
		for rows.Next() {
			cells := make([]any, len(cols))
			for i := range cells {
				cells[i] = new(any)
			}
			if err := rows.Scan(cells...); err != nil {
				t.Fatal(err)
			}
			for _, c := range cells {
				plan = append(plan, fmt.Sprint(*c.(*any)))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, " | ")
		if !strings.Contains(text, "idempotency_keys_location") {
			t.Errorf("the plan of ForgetIdempotencyRecords does not use idempotency_keys_location:\n%s", text)
		}
	})
}
