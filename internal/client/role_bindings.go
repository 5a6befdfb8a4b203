package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

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

// RoleBindingFilter filters role-binding lists; empty fields match all.
type RoleBindingFilter struct {
	UserID string
	Role   string
}

func (f RoleBindingFilter) query() url.Values {
	q := url.Values{}
	if f.UserID != "" {
		q.Set("userId", f.UserID)
	}
	if f.Role != "" {
		q.Set("role", f.Role)
	}
	return q
}

// roleBindingCreate is the body of a role-binding create.
type roleBindingCreate struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

type orgRoleBindingProps struct {
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

type projectRoleBindingProps struct {
	ProjectID      string `json:"projectId"`
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (b *OrgRoleBinding) UnmarshalJSON(raw []byte) error {
	var e envelope[orgRoleBindingProps]
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("decoding organization role binding: %w", err)
	}
	*b = OrgRoleBinding{
		ID: e.ID, OrganizationID: e.Properties.OrganizationID, UserID: e.Properties.UserID,
		Role: e.Properties.Role, Metadata: e.Metadata.model(),
	}
	return nil
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (b *ProjectRoleBinding) UnmarshalJSON(raw []byte) error {
	var e envelope[projectRoleBindingProps]
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("decoding project role binding: %w", err)
	}
	*b = ProjectRoleBinding{
		ID: e.ID, ProjectID: e.Properties.ProjectID, OrganizationID: e.Properties.OrganizationID,
		UserID: e.Properties.UserID, Role: e.Properties.Role, Metadata: e.Metadata.model(),
	}
	return nil
}

// CreateOrgRoleBinding binds an organization role to a user of the
// organization. It sends an Idempotency-Key, generated once for this call and
// reused by its retries.
func (c *Client) CreateOrgRoleBinding(ctx context.Context, orgID, userID, role string) (*OrgRoleBinding, error) {
	p, err := resourcePath("organizations", orgID, "role-bindings")
	if err != nil {
		return nil, err
	}
	var out OrgRoleBinding
	if err := c.create(ctx, p, roleBindingCreate{UserID: userID, Role: role}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListOrgRoleBindings lists the role bindings of an organization (all pages),
// filtered by user and role.
func (c *Client) ListOrgRoleBindings(ctx context.Context, orgID string, f RoleBindingFilter) ([]OrgRoleBinding, error) {
	p, err := resourcePath("organizations", orgID, "role-bindings")
	if err != nil {
		return nil, err
	}
	return listAll[OrgRoleBinding](ctx, c, p, f.query())
}

// GetOrgRoleBinding reads a role binding of an organization by id.
func (c *Client) GetOrgRoleBinding(ctx context.Context, orgID, id string) (*OrgRoleBinding, error) {
	p, err := resourcePath("organizations", orgID, "role-bindings", id)
	if err != nil {
		return nil, err
	}
	var out OrgRoleBinding
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrgRoleBinding removes a role binding of an organization. Unbinding
// the last org_owner is a 409 LAST_OWNER; a 404 is returned
// as an error, callers that treat it as done use IsNotFound.
func (c *Client) DeleteOrgRoleBinding(ctx context.Context, orgID, id string) error {
	p, err := resourcePath("organizations", orgID, "role-bindings", id)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, "", nil)
}

// CreateProjectRoleBinding binds a project role to a user of the project's
// organization. It sends an Idempotency-Key, generated once for this call and
// reused by its retries.
func (c *Client) CreateProjectRoleBinding(ctx context.Context, projectID, userID, role string) (*ProjectRoleBinding, error) {
	p, err := resourcePath("projects", projectID, "role-bindings")
	if err != nil {
		return nil, err
	}
	var out ProjectRoleBinding
	if err := c.create(ctx, p, roleBindingCreate{UserID: userID, Role: role}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListProjectRoleBindings lists the role bindings of a project (all pages),
// filtered by user and role.
func (c *Client) ListProjectRoleBindings(ctx context.Context, projectID string, f RoleBindingFilter) ([]ProjectRoleBinding, error) {
	p, err := resourcePath("projects", projectID, "role-bindings")
	if err != nil {
		return nil, err
	}
	return listAll[ProjectRoleBinding](ctx, c, p, f.query())
}

// GetProjectRoleBinding reads a role binding of a project by id.
func (c *Client) GetProjectRoleBinding(ctx context.Context, projectID, id string) (*ProjectRoleBinding, error) {
	p, err := resourcePath("projects", projectID, "role-bindings", id)
	if err != nil {
		return nil, err
	}
	var out ProjectRoleBinding
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteProjectRoleBinding removes a role binding of a project. Unbinding the
// last project_owner is a 409 LAST_OWNER; a 404 is returned
// as an error, callers that treat it as done use IsNotFound.
func (c *Client) DeleteProjectRoleBinding(ctx context.Context, projectID, id string) error {
	p, err := resourcePath("projects", projectID, "role-bindings", id)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, "", nil)
}
