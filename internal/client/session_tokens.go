package client

import (
	"context"
	"net/http"
	"time"
)

// The bounds of a session token's life, and its life when the create does
// not say.
const (
	MinSessionTokenLifetime     = time.Minute
	MaxSessionTokenLifetime     = 24 * time.Hour
	DefaultSessionTokenLifetime = time.Hour
)

// SessionToken is a session token of a machine user ("session-token"): a
// short-lived credential (pgs_…) that authenticates as the machine user,
// counts against no access-key quota, is not listed among its access keys,
// and is deleted by the server once expired. Its id is the 12-char token id
// that is also part of the token text.
type SessionToken struct {
	ID             string
	UserID         string
	OrganizationID string
	Name           string
	MaskedToken    string // "pgs_<tokenid>_…<last 4 characters>"
	State          string // "active" | "expired", as for access keys
	ExpiresAt      time.Time
	// Secret is the whole token text ("pgs_…"). Only the answer of a create
	// carries it; reads and lists never do.
	Secret   string
	Metadata Metadata
}

// SessionTokenCreate is what to open a session token with. Both fields are
// optional: Name "" lets the server name it ("session-<token id>"),
// ExpiresIn 0 gives DefaultSessionTokenLifetime. ExpiresIn is a whole
// number of seconds from MinSessionTokenLifetime to MaxSessionTokenLifetime;
// the server refuses any other (422 on expiresInSeconds).
type SessionTokenCreate struct {
	Name      string
	ExpiresIn time.Duration
}

// sessionTokenCreateBody is the wire form of SessionTokenCreate.
type sessionTokenCreateBody struct {
	Name             string  `json:"name,omitempty"`
	ExpiresInSeconds float64 `json:"expiresInSeconds,omitempty"`
}

type sessionTokenProps struct {
	UserID         string   `json:"userId"`
	OrganizationID string   `json:"organizationId"`
	Name           string   `json:"name"`
	ExpiresAt      wireTime `json:"expiresAt"`
	MaskedToken    string   `json:"maskedToken"`
	State          string   `json:"state"`
	Secret         string   `json:"secret"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (t *SessionToken) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "session token", t, func(e envelope[sessionTokenProps]) SessionToken {
		p := e.Properties
		return SessionToken{ID: e.ID, UserID: p.UserID, OrganizationID: p.OrganizationID, Name: p.Name,
			MaskedToken: p.MaskedToken, State: p.State, ExpiresAt: time.Time(p.ExpiresAt), Secret: p.Secret,
			Metadata: e.Metadata.model()}
	})
}

// CreateMachineUserSessionToken opens a session token of a machine user.
// The answer is the only one that carries the token's Secret. Like every
// create it sends an Idempotency-Key that its retries reuse, so a retried
// create returns the same token instead of a second one.
func (c *Client) CreateMachineUserSessionToken(ctx context.Context, orgID, userID string, in SessionTokenCreate) (*SessionToken, error) {
	body := sessionTokenCreateBody{Name: in.Name, ExpiresInSeconds: in.ExpiresIn.Seconds()}
	return createOne[SessionToken](ctx, c, body, "organizations", orgID, "machine-users", userID, "session-tokens")
}

// ListMachineUserSessionTokens lists the session tokens of a machine user
// (all pages): those that work, and those that expired but the server has
// not deleted yet.
func (c *Client) ListMachineUserSessionTokens(ctx context.Context, orgID, userID string) ([]SessionToken, error) {
	return listAll[SessionToken](ctx, c, nil, "organizations", orgID, "machine-users", userID, "session-tokens")
}

// GetMachineUserSessionToken reads a session token of a machine user.
func (c *Client) GetMachineUserSessionToken(ctx context.Context, orgID, userID, tokenID string) (*SessionToken, error) {
	return getOne[SessionToken](ctx, c, "organizations", orgID, "machine-users", userID, "session-tokens", tokenID)
}

// DeleteMachineUserSessionToken closes a session token of a machine user;
// it authenticates nothing afterwards. A 404 (closed already, or expired and
// deleted by the server) is returned as an error; callers that treat it as
// done use IsNotFound.
func (c *Client) DeleteMachineUserSessionToken(ctx context.Context, orgID, userID, tokenID string) error {
	return deleteOne(ctx, c, "organizations", orgID, "machine-users", userID, "session-tokens", tokenID)
}

// SessionTokenRevocation is what revoking the session tokens of a machine
// user did.
type SessionTokenRevocation struct {
	OrganizationID string
	UserID         string
	// Revoked is how many of its tokens still worked: none of them
	// authenticates any more.
	Revoked int
}

type sessionTokenRevocationProps struct {
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Revoked        int    `json:"revoked"`
}

// UnmarshalJSON decodes the answer's form; unknown fields are ignored.
func (r *SessionTokenRevocation) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "session token revocation", r, func(e envelope[sessionTokenRevocationProps]) SessionTokenRevocation {
		return SessionTokenRevocation(e.Properties)
	})
}

// RevokeMachineUserSessionTokens revokes every session token of a machine
// user at once (for when they may have leaked); its access keys are not
// touched. Like every DELETE it is retried after a lost answer, and the
// retry finds nothing left: Revoked then counts only what the last attempt
// revoked.
func (c *Client) RevokeMachineUserSessionTokens(ctx context.Context, orgID, userID string) (*SessionTokenRevocation, error) {
	return sendOne[SessionTokenRevocation](ctx, c, http.MethodDelete, nil, "",
		[]string{"organizations", orgID, "machine-users", userID, "session-tokens"})
}
