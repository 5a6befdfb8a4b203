package client

import (
	"context"
	"iter"
	"net/url"
)

// RoleBinding binds a role to a user: an organization role on the
// organization ("org-role-binding", ProjectID empty) or a project role on a
// project ("project-role-binding").
type RoleBinding struct {
	ID             string
	OrganizationID string
	ProjectID      string // "" for an organization's binding
	UserID         string
	Role           string
	Metadata       Metadata
}

// roleBindingProps are the properties of both kinds of role binding; those
// of an organization have no projectId.
type roleBindingProps struct {
	ProjectID      string `json:"projectId"`
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (rb *RoleBinding) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "role binding", rb, func(e envelope[roleBindingProps]) RoleBinding {
		return RoleBinding{
			ID: e.ID, OrganizationID: e.Properties.OrganizationID, ProjectID: e.Properties.ProjectID,
			UserID: e.Properties.UserID, Role: e.Properties.Role, Metadata: e.Metadata.model(),
		}
	})
}

// RoleBindingFilter filters role-binding lists; empty fields match all.
type RoleBindingFilter struct {
	UserID string
	Role   string
}

func (f RoleBindingFilter) query() url.Values { return filter("userId", f.UserID, "role", f.Role) }

// roleBindingCreate is the body of a role-binding create.
type roleBindingCreate struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

// CreateOrgRoleBinding binds an organization role to a user of the
// organization. It sends an Idempotency-Key, generated once for this call and
// reused by its retries.
func (c *Client) CreateOrgRoleBinding(ctx context.Context, orgID, userID, role string) (*RoleBinding, error) {
	return createOne[RoleBinding](ctx, c, roleBindingCreate{UserID: userID, Role: role}, "organizations", orgID, "role-bindings")
}

// ListOrgRoleBindings lists the role bindings of an organization (all pages),
// filtered by user and role.
func (c *Client) ListOrgRoleBindings(ctx context.Context, orgID string, f RoleBindingFilter) ([]RoleBinding, error) {
	return listAll[RoleBinding](ctx, c, f.query(), "organizations", orgID, "role-bindings")
}

// EachOrgRoleBinding walks the role bindings of an organization, filtered by
// user and role, a page at a time; breaking out of the loop fetches no
// further page.
func (c *Client) EachOrgRoleBinding(ctx context.Context, orgID string, f RoleBindingFilter) iter.Seq2[RoleBinding, error] {
	return each[RoleBinding](ctx, c, f.query(), "organizations", orgID, "role-bindings")
}

// GetOrgRoleBinding reads a role binding of an organization by id.
func (c *Client) GetOrgRoleBinding(ctx context.Context, orgID, id string) (*RoleBinding, error) {
	return getOne[RoleBinding](ctx, c, "organizations", orgID, "role-bindings", id)
}

// DeleteOrgRoleBinding removes a role binding of an organization. Unbinding
// the last org_owner is a 409 LAST_OWNER; a 404 is returned
// as an error, callers that treat it as done use IsNotFound.
func (c *Client) DeleteOrgRoleBinding(ctx context.Context, orgID, id string) error {
	return deleteOne(ctx, c, "organizations", orgID, "role-bindings", id)
}

// CreateProjectRoleBinding binds a project role to a user of the project's
// organization. It sends an Idempotency-Key, generated once for this call and
// reused by its retries.
func (c *Client) CreateProjectRoleBinding(ctx context.Context, projectID, userID, role string) (*RoleBinding, error) {
	return createOne[RoleBinding](ctx, c, roleBindingCreate{UserID: userID, Role: role}, "projects", projectID, "role-bindings")
}

// ListProjectRoleBindings lists the role bindings of a project (all pages),
// filtered by user and role.
func (c *Client) ListProjectRoleBindings(ctx context.Context, projectID string, f RoleBindingFilter) ([]RoleBinding, error) {
	return listAll[RoleBinding](ctx, c, f.query(), "projects", projectID, "role-bindings")
}

// EachProjectRoleBinding walks the role bindings of a project, filtered by
// user and role, a page at a time; breaking out of the loop fetches no
// further page.
func (c *Client) EachProjectRoleBinding(ctx context.Context, projectID string, f RoleBindingFilter) iter.Seq2[RoleBinding, error] {
	return each[RoleBinding](ctx, c, f.query(), "projects", projectID, "role-bindings")
}

// GetProjectRoleBinding reads a role binding of a project by id.
func (c *Client) GetProjectRoleBinding(ctx context.Context, projectID, id string) (*RoleBinding, error) {
	return getOne[RoleBinding](ctx, c, "projects", projectID, "role-bindings", id)
}

// DeleteProjectRoleBinding removes a role binding of a project. Unbinding the
// last project_owner is a 409 LAST_OWNER; a 404 is returned
// as an error, callers that treat it as done use IsNotFound.
func (c *Client) DeleteProjectRoleBinding(ctx context.Context, projectID, id string) error {
	return deleteOne(ctx, c, "projects", projectID, "role-bindings", id)
}
