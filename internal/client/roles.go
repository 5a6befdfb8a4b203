package client

import "context"

// The platform's roles. Organization roles are bound on an organization,
// project roles on a project.
const (
	RoleOrgOwner      = "org_owner"
	RoleOrgAdmin      = "org_admin"
	RoleProjectOwner  = "project_owner"
	RoleProjectEditor = "project_editor"
	RoleProjectViewer = "project_viewer"
)

// OrganizationRoles are the roles of scope "organization", most powerful first.
func OrganizationRoles() []string { return []string{RoleOrgOwner, RoleOrgAdmin} }

// ProjectRoles are the roles of scope "project", most powerful first.
func ProjectRoles() []string {
	return []string{RoleProjectOwner, RoleProjectEditor, RoleProjectViewer}
}

// Role scopes.
const (
	ScopeOrganization = "organization"
	ScopeProject      = "project"
)

// Role is a role ("role"); its id is its name.
type Role struct {
	Name        string
	Scope       string // "organization" | "project"
	Description string
}

type roleProps struct {
	Name        string `json:"name"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (r *Role) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "role", r, func(e envelope[roleProps]) Role {
		name := e.Properties.Name
		if name == "" {
			name = e.ID
		}
		return Role{Name: name, Scope: e.Properties.Scope, Description: e.Properties.Description}
	})
}

// ListRoles lists all roles (all pages).
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	return listAll[Role](ctx, c, nil, "roles")
}
