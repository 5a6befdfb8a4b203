package store

import (
	"context"
	"time"
)

// ---- idempotency records ----

func (q queries) GetIdempotencyRecord(ctx context.Context, userID, key string) (IdempotencyRecord, error) {
	var r IdempotencyRecord
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT user_id, key, request_hash, status, location, body, created_at
		FROM idempotency_keys WHERE user_id = ? AND key = ?`, userID, key).
		Scan(&r.UserID, &r.Key, &r.RequestHash, &r.Status, &r.Location, &r.Body, &created)
	if err != nil {
		return IdempotencyRecord{}, mapErr(err)
	}
	r.CreatedAt = fromNS(created)
	return r, nil
}

func (q queries) PutIdempotencyRecord(ctx context.Context, r IdempotencyRecord) error {
	return q.exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, location, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.UserID, r.Key, r.RequestHash, r.Status, r.Location, r.Body, ns(r.CreatedAt))
}

func (q queries) DeleteIdempotencyRecord(ctx context.Context, userID, key string) error {
	return q.exec(ctx, "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", userID, key)
}

func (q queries) DeleteIdempotencyRecordsBefore(ctx context.Context, t time.Time) error {
	return q.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", ns(t))
}

// forgetIdempotencyRecords selects the records at a location (the first
// argument) or below it. The locations below location are those that start
// with location + "/": in byte order, from location + "/" (the second) up to
// but not including location + "0" (the third; '0' follows '/'). A range,
// unlike LIKE (which would read an href's escapes such as %20 as wildcards)
// or substr, lets idempotency_keys_location answer it: both stores compare
// location bytewise (SQLite's BINARY, PostgreSQL's COLLATE "C").
const forgetIdempotencyRecords = `DELETE FROM idempotency_keys
	WHERE location = ? OR (location >= ? AND location < ?)`

func (q queries) ForgetIdempotencyRecords(ctx context.Context, location string) error {
	return q.exec(ctx, forgetIdempotencyRecords, location, location+"/", location+"0")
}

// ---- server state ----

func (q queries) GetState(ctx context.Context, key string) (string, error) {
	var v string
	err := q.db.QueryRowContext(ctx, "SELECT value FROM server_state WHERE key = ?", key).Scan(&v)
	return v, mapErr(err)
}

func (q queries) SetState(ctx context.Context, key, value string) error {
	return q.exec(ctx, `INSERT INTO server_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
}
