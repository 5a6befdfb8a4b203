package client

import (
	"context"
	"net/url"
)

// OrgRoleBinding binds an organization role to a user of the organization
// ("org-role-binding").
type OrgRoleBinding struct {
	ID             string
	OrganizationID string
	UserID         string
	Role           string
	Metadata       Metadata
}

// ProjectRoleBinding binds a project role to a user of the project's
// organization ("project-role-binding").
type ProjectRoleBinding struct {
	ID             string
	ProjectID      string
	OrganizationID string
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
func (rb *OrgRoleBinding) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "organization role binding", rb, func(e envelope[roleBindingProps]) OrgRoleBinding {
		return OrgRoleBinding{
			ID: e.ID, OrganizationID: e.Properties.OrganizationID, UserID: e.Properties.UserID,
			Role: e.Properties.Role, Metadata: e.Metadata.model(),
		}
	})
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (rb *ProjectRoleBinding) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "project role binding", rb, func(e envelope[roleBindingProps]) ProjectRoleBinding {
		return ProjectRoleBinding{
			ID: e.ID, ProjectID: e.Properties.ProjectID, OrganizationID: e.Properties.OrganizationID,
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
func (c *Client) CreateOrgRoleBinding(ctx context.Context, orgID, userID, role string) (*OrgRoleBinding, error) {
	return createOne[OrgRoleBinding](ctx, c, roleBindingCreate{UserID: userID, Role: role}, "organizations", orgID, "role-bindings")
}

// ListOrgRoleBindings lists the role bindings of an organization (all pages),
// filtered by user and role.
func (c *Client) ListOrgRoleBindings(ctx context.Context, orgID string, f RoleBindingFilter) ([]OrgRoleBinding, error) {
	return listAll[OrgRoleBinding](ctx, c, f.query(), "organizations", orgID, "role-bindings")
}

// GetOrgRoleBinding reads a role binding of an organization by id.
func (c *Client) GetOrgRoleBinding(ctx context.Context, orgID, id string) (*OrgRoleBinding, error) {
	return getOne[OrgRoleBinding](ctx, c, "organizations", orgID, "role-bindings", id)
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
func (c *Client) CreateProjectRoleBinding(ctx context.Context, projectID, userID, role string) (*ProjectRoleBinding, error) {
	return createOne[ProjectRoleBinding](ctx, c, roleBindingCreate{UserID: userID, Role: role}, "projects", projectID, "role-bindings")
}

// ListProjectRoleBindings lists the role bindings of a project (all pages),
// filtered by user and role.
func (c *Client) ListProjectRoleBindings(ctx context.Context, projectID string, f RoleBindingFilter) ([]ProjectRoleBinding, error) {
	return listAll[ProjectRoleBinding](ctx, c, f.query(), "projects", projectID, "role-bindings")
}

// GetProjectRoleBinding reads a role binding of a project by id.
func (c *Client) GetProjectRoleBinding(ctx context.Context, projectID, id string) (*ProjectRoleBinding, error) {
	return getOne[ProjectRoleBinding](ctx, c, "projects", projectID, "role-bindings", id)
}

// DeleteProjectRoleBinding removes a role binding of a project. Unbinding the
// last project_owner is a 409 LAST_OWNER; a 404 is returned
// as an error, callers that treat it as done use IsNotFound.
func (c *Client) DeleteProjectRoleBinding(ctx context.Context, projectID, id string) error {
	return deleteOne(ctx, c, "projects", projectID, "role-bindings", id)
}
