// Package store is the persistence of the control plane, behind one interface
// so that the embedded SQLite store and a PostgreSQL store (for several
// replicas) are interchangeable. It knows rows and transactions only: every
// platform rule (validation, authorization, quotas) lives in package server.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors every implementation returns (wrapped), so callers can use errors.Is.
var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness constraint was violated. The handlers check
	// uniqueness themselves to produce field-level messages; this is the
	// backstop for races the checks cannot see.
	ErrConflict = errors.New("conflict")
)

// User types.
const (
	UserTypePerson  = "person"
	UserTypeMachine = "machine"
)

// Role binding scopes.
const (
	ScopeOrganization = "organization"
	ScopeProject      = "project"
)

// Meta is the bookkeeping every object row carries; it becomes the envelope's
// metadata.
type Meta struct {
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	Sequence  int64
}

// NewMeta is the metadata of an object created by `by` at `at`.
func NewMeta(at time.Time, by string) Meta {
	return Meta{CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Sequence: 1}
}

// Touch records a change made by `by` at `at`.
func (m *Meta) Touch(at time.Time, by string) {
	m.UpdatedAt = at
	m.UpdatedBy = by
	m.Sequence++
}

type Organization struct {
	ID   string
	Name string
	Meta Meta
}

type Project struct {
	ID             string
	OrganizationID string
	Name           string
	Meta           Meta
}

// User is a person or a machine user. Description and AccessTokenType are
// used by machine users only; for people they are "".
type User struct {
	ID              string
	OrganizationID  string
	Type            string // UserTypePerson or UserTypeMachine
	Username        string
	Name            string
	Description     string
	Email           string
	AccessTokenType string
	Meta            Meta
}

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
	Meta        Meta
}

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

// Page selects a window of a list. Lists are ordered by creation time, then id,
// so pages are stable while nothing is created or deleted.
type Page struct {
	Limit  int
	Offset int
}

// ProjectFilter selects projects; empty fields match everything.
type ProjectFilter struct {
	OrganizationID string
	Name           string
}

// UserFilter selects users; empty fields match everything.
type UserFilter struct {
	OrganizationID string
	Type           string
	Username       string
}

// Queries are the operations on the data, available both on the store (each
// call on its own) and inside a transaction.
type Queries interface {
	ClusterQueries // clusters.go
	CreateOrganization(ctx context.Context, o Organization) error
	GetOrganization(ctx context.Context, id string) (Organization, error)
	GetOrganizationByName(ctx context.Context, name string) (Organization, error)
	CountOrganizations(ctx context.Context) (int, error)

	CreateProject(ctx context.Context, p Project) error
	GetProject(ctx context.Context, id string) (Project, error)
	ListProjects(ctx context.Context, f ProjectFilter, p Page) (items []Project, total int, err error)

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context, f UserFilter, p Page) (items []User, total int, err error)
	// UpdateUser writes all mutable fields and the metadata of u.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser deletes the user with its access keys, role bindings and
	// idempotency records.
	DeleteUser(ctx context.Context, id string) error

	CreateAccessKey(ctx context.Context, k AccessKey) error
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	ListAccessKeys(ctx context.Context, f AccessKeyFilter, p Page) (items []AccessKey, total int, err error)
	DeleteAccessKey(ctx context.Context, id string) error

	CreateRoleBinding(ctx context.Context, b RoleBinding) error
	ListRoleBindingsByUser(ctx context.Context, userID string) ([]RoleBinding, error)
	// CountOrgRoleHolders counts the users bound to role on the organization.
	CountOrgRoleHolders(ctx context.Context, orgID, role string) (int, error)
	// GetRoleBinding finds an organization or project binding by id.
	GetRoleBinding(ctx context.Context, id string) (RoleBinding, error)
	ListRoleBindings(ctx context.Context, f RoleBindingFilter, p Page) (items []RoleBinding, total int, err error)
	DeleteRoleBinding(ctx context.Context, id string) error
	// CountProjectRoleHolders counts the users bound to role on the project.
	CountProjectRoleHolders(ctx context.Context, projectID, role string) (int, error)

	CreateInvitation(ctx context.Context, inv Invitation) error

	GetIdempotencyRecord(ctx context.Context, userID, key string) (IdempotencyRecord, error)
	PutIdempotencyRecord(ctx context.Context, r IdempotencyRecord) error
	DeleteIdempotencyRecord(ctx context.Context, userID, key string) error
	DeleteIdempotencyRecordsBefore(ctx context.Context, t time.Time) error

	GetState(ctx context.Context, key string) (string, error)
	SetState(ctx context.Context, key, value string) error
}

// Store is a durable store.
type Store interface {
	Queries
	// InTx runs fn in one write transaction: all of it commits or none of it
	// does. Write transactions are serialized, so a check made inside fn (a
	// uniqueness, a quota, an idempotency key) still holds when fn writes.
	InTx(ctx context.Context, fn func(q Queries) error) error
	// Ping reports whether the store answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Open opens the store named by spec, applying pending migrations.
// Forms: "sqlite:/path/to/file.db".
func Open(ctx context.Context, spec string) (Store, error) {
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return nil, fmt.Errorf("store %q: want a form like sqlite:/path/to/file.db", spec)
	}
	switch kind {
	case "sqlite":
		if rest == "" {
			return nil, fmt.Errorf("store %q: the sqlite store needs a file path", spec)
		}
		return OpenSQLite(ctx, rest)
	default:
		return nil, fmt.Errorf("store %q: unknown kind %q (supported: sqlite)", spec, kind)
	}
}
