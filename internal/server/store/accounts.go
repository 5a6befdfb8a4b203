package store

import "context"

// Organizations, their projects and their users (people and machine users).

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

// ProjectFilter selects projects; empty fields match everything.
type ProjectFilter struct {
	OrganizationID string
	Name           string
}

// User types.
const (
	UserTypePerson  = "person"
	UserTypeMachine = "machine"
)

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

// UserFilter selects users; empty fields match everything.
type UserFilter struct {
	OrganizationID string
	Type           string
	Username       string
}

// AccountQueries are the operations on organizations, projects and users
// (part of Queries).
type AccountQueries interface {
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
	// CountUsers counts the users matching f, reading none of them.
	CountUsers(ctx context.Context, f UserFilter) (int, error)
	// UpdateUser writes all mutable fields and the metadata of u.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser deletes the user with its access keys, role bindings and
	// idempotency records.
	DeleteUser(ctx context.Context, id string) error
}
