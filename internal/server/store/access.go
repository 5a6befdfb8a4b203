package store

// Filters and rows of the access objects: access keys, role bindings and
// invitations (their SQLite queries are in sqlite_access.go).

// AccessKeyFilter selects access keys. UserID is required.
type AccessKeyFilter struct {
	UserID string
	// SelfServiceOnly keeps only the keys a person made under /users/me.
	SelfServiceOnly bool
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
