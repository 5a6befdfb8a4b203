package client

import (
	"context"
	"iter"
	"time"
)

// States of an access key.
const (
	AccessKeyStateActive  = "active"
	AccessKeyStateExpired = "expired"
	// AccessKeyStateUnconfirmed: created with RequireConfirmation and not
	// confirmed yet; it authenticates nothing and counts against no quota.
	AccessKeyStateUnconfirmed = "unconfirmed"
)

// The bounds of an access key's life, in days.
const (
	MinAccessKeyDays = 1
	MaxAccessKeyDays = 365
)

// AccessKeysPerMachineUser is the platform's quota of access keys per machine
// user (expired keys do not count): enough to rotate with overlap.
const AccessKeysPerMachineUser = 2

// AccessKey is an access key of a user ("access-key"); its id is the 12-char
// key id that is also part of the key text.
type AccessKey struct {
	ID             string
	UserID         string
	OrganizationID string
	Name           string
	MaskedKey      string // "pgc_<keyid>_…<last 4 characters>"
	State          string // "active" | "expired" | "unconfirmed"
	ExpiresAt      time.Time
	// ConfirmBy is when an unconfirmed key is deleted unless confirmed;
	// zero for other keys.
	ConfirmBy time.Time
	// Secret is the whole key text ("pgc_…"). Only the answer of a create
	// carries it; reads and lists never do.
	Secret   string
	Metadata Metadata
}

// AccessKeyCreate is the body of an access-key create; both fields are
// required (name 1–200 characters, unique per user; expiresInDays 1–365).
type AccessKeyCreate struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expiresInDays"`
	// RequireConfirmation: the key works (and counts against the quota)
	// only once ConfirmMachineUserAccessKey confirms that its secret was
	// received; unconfirmed, the server deletes it after a lease (15
	// minutes by default). A create whose answer is lost then leaves no
	// key behind that nobody holds.
	RequireConfirmation bool `json:"requireConfirmation,omitempty"`
}

// accessKeyProps are the properties of an access key. Inside a machine-user
// create answer (properties.accessKey) they also carry the key's id.
type accessKeyProps struct {
	ID             string   `json:"id"`
	UserID         string   `json:"userId"`
	OrganizationID string   `json:"organizationId"`
	Name           string   `json:"name"`
	ExpiresAt      wireTime `json:"expiresAt"`
	MaskedKey      string   `json:"maskedKey"`
	State          string   `json:"state"`
	ConfirmBy      wireTime `json:"confirmBy"`
	Secret         string   `json:"secret"`
}

func (p accessKeyProps) model(id string, meta Metadata) AccessKey {
	if id == "" {
		id = p.ID
	}
	return AccessKey{
		ID: id, UserID: p.UserID, OrganizationID: p.OrganizationID, Name: p.Name,
		MaskedKey: p.MaskedKey, State: p.State, ExpiresAt: time.Time(p.ExpiresAt),
		ConfirmBy: time.Time(p.ConfirmBy), Secret: p.Secret, Metadata: meta,
	}
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (k *AccessKey) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "access key", k, func(e envelope[accessKeyProps]) AccessKey {
		return e.Properties.model(e.ID, e.Metadata.model())
	})
}

// CreateMachineUserAccessKey creates an access key for a machine user. The
// answer is the only one that carries the key's Secret. It sends an
// Idempotency-Key, generated once for this call and reused by its retries, so
// a retried create returns the same key (and secret) instead of a second one.
func (c *Client) CreateMachineUserAccessKey(ctx context.Context, orgID, userID string, in AccessKeyCreate) (*AccessKey, error) {
	return createOne[AccessKey](ctx, c, in, "organizations", orgID, "machine-users", userID, "access-keys")
}

// ConfirmMachineUserAccessKey confirms that the secret of a key created
// with RequireConfirmation was received: from then on it authenticates and
// counts against the quota. Confirming a confirmed key changes nothing, so
// the request is sent, as a create is, with an Idempotency-Key that its
// retries reuse (the client repeats a POST only with one).
func (c *Client) ConfirmMachineUserAccessKey(ctx context.Context, orgID, userID, keyID string) (*AccessKey, error) {
	return createOne[AccessKey](ctx, c, nil, "organizations", orgID, "machine-users", userID, "access-keys", keyID, "confirm")
}

// ListMachineUserAccessKeys lists the access keys of a machine user (all
// pages), expired ones included.
func (c *Client) ListMachineUserAccessKeys(ctx context.Context, orgID, userID string) ([]AccessKey, error) {
	return listAll[AccessKey](ctx, c, nil, "organizations", orgID, "machine-users", userID, "access-keys")
}

// EachMachineUserAccessKey walks the access keys of a machine user, expired
// ones included, a page at a time; breaking out of the loop fetches no
// further page.
func (c *Client) EachMachineUserAccessKey(ctx context.Context, orgID, userID string) iter.Seq2[AccessKey, error] {
	return each[AccessKey](ctx, c, nil, "organizations", orgID, "machine-users", userID, "access-keys")
}

// GetMachineUserAccessKey reads an access key of a machine user.
func (c *Client) GetMachineUserAccessKey(ctx context.Context, orgID, userID, keyID string) (*AccessKey, error) {
	return getOne[AccessKey](ctx, c, "organizations", orgID, "machine-users", userID, "access-keys", keyID)
}

// DeleteMachineUserAccessKey deletes an access key of a machine user; it
// authenticates nothing afterwards. A 404 is returned as an error; callers
// that treat it as done use IsNotFound.
func (c *Client) DeleteMachineUserAccessKey(ctx context.Context, orgID, userID, keyID string) error {
	return deleteOne(ctx, c, "organizations", orgID, "machine-users", userID, "access-keys", keyID)
}
