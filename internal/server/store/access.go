package store

import (
	"context"
	"time"
)

// What grants access: access keys, session tokens, role bindings, and
// invitations.

// AccessKey is stored without its secret: only SHA-256(secret) is kept.
type AccessKey struct {
	ID         string // the key id embedded in the key text
	UserID     string
	Name       string
	SecretHash []byte
	ExpiresAt  time.Time
	// Suffix is the last 4 characters of the key text (for maskedKey);
	// "" for keys made before it was kept.
	Suffix string
	// SelfService: a person made it for itself under /users/me/access-keys.
	SelfService bool
	// ConfirmBy is set on a key whose creator asked to confirm receipt of
	// its secret: until confirmed the key authenticates nothing and counts
	// against no quota, and past ConfirmBy it is deleted. Zero: confirmed
	// (or never asked to be).
	ConfirmBy time.Time
	Meta      Meta
}

// AccessKeyFilter selects access keys. UserID is required.
type AccessKeyFilter struct {
	UserID string
	// SelfServiceOnly keeps only the keys a person made under /users/me.
	SelfServiceOnly bool
	// ActiveAt, when set, keeps only the confirmed keys that have not
	// expired at that time (ExpiresAt after it): what counts against the
	// quotas.
	ActiveAt time.Time
	// UnconfirmedAt, when set, keeps only the keys awaiting confirmation
	// whose time to confirm has not run out at that time (ConfirmBy after
	// it).
	UnconfirmedAt time.Time
	// LiveAt, when set, leaves out the unconfirmed keys whose time to
	// confirm ran out before it: keys that exist only until the purge.
	LiveAt time.Time
}

// SessionToken is a short-lived credential of a machine user, stored
// without its secret: only SHA-256(secret) is kept. Unlike an access key it
// has no unique name and counts against no key quota; it is deleted once
// expired (see ListExpiredSessionTokens).
type SessionToken struct {
	ID         string // the token id embedded in the token text
	UserID     string
	Name       string // what it is for; not unique
	SecretHash []byte
	ExpiresAt  time.Time
	Suffix     string // the last 4 characters of the token text (for a masked token)
	Meta       Meta
}

// SessionTokenFilter selects session tokens. UserID is required.
type SessionTokenFilter struct {
	UserID string
	// ActiveAt, when set, keeps only the tokens that have not expired at
	// that time (ExpiresAt after it).
	ActiveAt time.Time
}

// FederatedCredential is what a machine user trusts of an OIDC issuer: an
// ID token of Issuer whose aud holds Audience, whose sub matches Subject (a
// pattern where * stands for any run of characters) and which carries every
// claim of Claims with exactly that value, may be exchanged for a session
// token of the user. It holds no secret.
type FederatedCredential struct {
	ID          string
	UserID      string
	Name        string // unique among the user's federated credentials
	Description string
	Issuer      string
	Audience    string
	Subject     string
	Claims      map[string]string // never nil once read
	Meta        Meta
}

// FederatedCredentialFilter selects federated credentials; empty fields
// match everything, but one of them must be set.
type FederatedCredentialFilter struct {
	UserID string
	Issuer string
}

// Role binding scopes.
const (
	ScopeOrganization = "organization"
	ScopeProject      = "project"
)

// RoleBinding binds one user to one role on one scope. For organization
// bindings ProjectID is "". OrganizationID is always set (for project
// bindings it is the project's organization).
type RoleBinding struct {
	ID             string
	Scope          string // ScopeOrganization or ScopeProject
	OrganizationID string
	ProjectID      string
	UserID         string
	Role           string
	Meta           Meta
}

// RoleBindingFilter selects role bindings; empty fields match everything.
type RoleBindingFilter struct {
	Scope          string // ScopeOrganization or ScopeProject; "" = both
	OrganizationID string
	ProjectID      string
	UserID         string
	Role           string
}

// Invitation states.
const InvitationPending = "pending"

// Invitation invites a person (by email) into an organization, with an
// optional organization role ("" = none).
type Invitation struct {
	ID             string
	OrganizationID string
	Email          string
	Role           string
	State          string
	Meta           Meta
}

// AccessQueries are the operations on access keys, role bindings and
// invitations (part of Queries).
type AccessQueries interface {
	CreateAccessKey(ctx context.Context, k AccessKey) error
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	// GetAccessKeyWithUser reads a key and its user in one query (what
	// authentication needs); ErrNotFound when the key is missing.
	GetAccessKeyWithUser(ctx context.Context, id string) (AccessKey, User, error)
	ListAccessKeys(ctx context.Context, f AccessKeyFilter, p Page) (items []AccessKey, total int, err error)
	DeleteAccessKey(ctx context.Context, id string) error
	// ConfirmAccessKey marks an unconfirmed key confirmed (ConfirmBy zero).
	ConfirmAccessKey(ctx context.Context, id string, m Meta) error
	// ListLapsedAccessKeys lists up to limit unconfirmed keys, of any user,
	// whose time to confirm ran out at time at (ConfirmBy at or before it):
	// what a purge deletes.
	ListLapsedAccessKeys(ctx context.Context, at time.Time, limit int) ([]AccessKey, error)

	CreateSessionToken(ctx context.Context, t SessionToken) error
	GetSessionToken(ctx context.Context, id string) (SessionToken, error)
	// GetSessionTokenWithUser reads a token and its user in one query.
	GetSessionTokenWithUser(ctx context.Context, id string) (SessionToken, User, error)
	ListSessionTokens(ctx context.Context, f SessionTokenFilter, p Page) (items []SessionToken, total int, err error)
	// ListExpiredSessionTokens lists up to limit tokens, of any user, that
	// have expired at time at (ExpiresAt at or before it), soonest expired
	// first: what a purge deletes.
	ListExpiredSessionTokens(ctx context.Context, at time.Time, limit int) ([]SessionToken, error)
	DeleteSessionToken(ctx context.Context, id string) error
	// DeleteSessionTokensOfUser deletes every session token of the user,
	// expired or not, and says how many rows went.
	DeleteSessionTokensOfUser(ctx context.Context, userID string) (int, error)

	// CreateFederatedCredential: a second credential of one name for one
	// user is ErrConflict.
	CreateFederatedCredential(ctx context.Context, c FederatedCredential) error
	GetFederatedCredential(ctx context.Context, id string) (FederatedCredential, error)
	ListFederatedCredentials(ctx context.Context, f FederatedCredentialFilter, p Page) (items []FederatedCredential, total int, err error)
	DeleteFederatedCredential(ctx context.Context, id string) error

	CreateRoleBinding(ctx context.Context, b RoleBinding) error
	// GetRoleBinding finds an organization or project binding by id.
	GetRoleBinding(ctx context.Context, id string) (RoleBinding, error)
	ListRoleBindings(ctx context.Context, f RoleBindingFilter, p Page) (items []RoleBinding, total int, err error)
	// ListRoleBindingsByUser lists all the bindings of a user, oldest first.
	ListRoleBindingsByUser(ctx context.Context, userID string) ([]RoleBinding, error)
	DeleteRoleBinding(ctx context.Context, id string) error
	// CountOrgRoleHolders counts the users bound to role on the organization.
	CountOrgRoleHolders(ctx context.Context, orgID, role string) (int, error)
	// CountProjectRoleHolders counts the users bound to role on the project.
	CountProjectRoleHolders(ctx context.Context, projectID, role string) (int, error)

	CreateInvitation(ctx context.Context, inv Invitation) error
}
