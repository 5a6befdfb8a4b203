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

func (q queries) ForgetIdempotencyRecords(ctx context.Context, location string) error {
	// substr rather than LIKE: hrefs hold escapes such as %20, which LIKE
	// would read as wildcards.
	return q.exec(ctx, `DELETE FROM idempotency_keys
		WHERE location = ? OR substr(location, 1, length(?) + 1) = ? || '/'`, location, location, location)
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
