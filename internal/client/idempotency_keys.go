package client

import "context"

// IdempotencyKey is one of the caller's Idempotency-Keys that holds a first
// answer ("idempotency-key"): a create sent again with it gets that answer
// instead of creating anything.
type IdempotencyKey struct {
	ID       string
	Status   int
	Location string // the href of the object the first answer created
	Metadata Metadata
}

type idempotencyKeyProps struct {
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (k *IdempotencyKey) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "idempotency key", k, func(e envelope[idempotencyKeyProps]) IdempotencyKey {
		return IdempotencyKey{ID: e.ID, Status: e.Properties.Status, Location: e.Properties.Location, Metadata: e.Metadata.model()}
	})
}

// GetIdempotencyKey asks whether the caller's Idempotency-Key key holds a
// first answer; a 404 (IsNotFound) means a create with it would run anew.
func (c *Client) GetIdempotencyKey(ctx context.Context, key string) (*IdempotencyKey, error) {
	return getOne[IdempotencyKey](ctx, c, "idempotency-keys", key)
}
