package store

import (
	"context"
	"time"
)

// What the server keeps for itself: the answers of idempotent requests and
// small facts about the store (e.g. that the one-time bootstrap has run).

// IdempotencyRecord is the first answer to a POST with an Idempotency-Key.
type IdempotencyRecord struct {
	UserID      string
	Key         string
	RequestHash string
	Status      int
	Location    string
	Body        []byte
	CreatedAt   time.Time
}

// BookkeepingQueries are the operations on idempotency records and server
// state (part of Queries).
type BookkeepingQueries interface {
	GetIdempotencyRecord(ctx context.Context, userID, key string) (IdempotencyRecord, error)
	PutIdempotencyRecord(ctx context.Context, r IdempotencyRecord) error
	DeleteIdempotencyRecord(ctx context.Context, userID, key string) error
	DeleteIdempotencyRecordsBefore(ctx context.Context, t time.Time) error
	// ForgetIdempotencyRecords deletes the records of the creates whose
	// object is at location or below it (a machine user's keys are below
	// the machine user): once an object is deleted, a retry of its create
	// must create anew, not hand back the deleted object.
	ForgetIdempotencyRecords(ctx context.Context, location string) error

	GetState(ctx context.Context, key string) (string, error)
	SetState(ctx context.Context, key, value string) error
}
