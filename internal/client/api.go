package client

import (
	"context"
	"net/http"
	"net/url"
)

// ListProjectsOptions filters ListProjects.
type ListProjectsOptions struct {
	Name string // exact project name; "" = all
}

// ListUsersOptions filters ListUsers.
type ListUsersOptions struct {
	Type string // "person" | "machine"; "" = all
}

// ListMachineUsersOptions filters ListMachineUsers.
type ListMachineUsersOptions struct {
	Username string // exact username; "" = all
}

// WhoAmI returns the caller: user, organization and role bindings.
func (c *Client) WhoAmI(ctx context.Context) (*WhoAmI, error) {
	var out WhoAmI
	if err := c.get(ctx, "/whoami", nil, &out); err != nil {
		return nil, err
	}
	if out.RoleBindings == nil {
		out.RoleBindings = []RoleBindingRef{}
	}
	return &out, nil
}

// GetOrganization reads an organization by id.
func (c *Client) GetOrganization(ctx context.Context, orgID string) (*Organization, error) {
	p, err := resourcePath("organizations", orgID)
	if err != nil {
		return nil, err
	}
	var out Organization
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListProjects lists all projects of an organization (all pages).
func (c *Client) ListProjects(ctx context.Context, orgID string, opts ListProjectsOptions) ([]Project, error) {
	p, err := resourcePath("organizations", orgID, "projects")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	return listAll[Project](ctx, c, p, q)
}

// GetProject reads a project by id.
func (c *Client) GetProject(ctx context.Context, projectID string) (*Project, error) {
	p, err := resourcePath("projects", projectID)
	if err != nil {
		return nil, err
	}
	var out Project
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListRoles lists all roles (all pages).
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	return listAll[Role](ctx, c, "/roles", nil)
}

// ListUsers lists the users (people and machines) of an organization (all
// pages).
func (c *Client) ListUsers(ctx context.Context, orgID string, opts ListUsersOptions) ([]User, error) {
	p, err := resourcePath("organizations", orgID, "users")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Type != "" {
		q.Set("type", opts.Type)
	}
	return listAll[User](ctx, c, p, q)
}

// GetUser reads a user (person or machine) of an organization by id.
func (c *Client) GetUser(ctx context.Context, orgID, userID string) (*User, error) {
	p, err := resourcePath("organizations", orgID, "users", userID)
	if err != nil {
		return nil, err
	}
	var out User
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMachineUsers lists the machine users of an organization (all pages).
func (c *Client) ListMachineUsers(ctx context.Context, orgID string, opts ListMachineUsersOptions) ([]MachineUser, error) {
	p, err := resourcePath("organizations", orgID, "machine-users")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Username != "" {
		q.Set("username", opts.Username)
	}
	return listAll[MachineUser](ctx, c, p, q)
}

// GetMachineUser reads a machine user by id.
func (c *Client) GetMachineUser(ctx context.Context, orgID, id string) (*MachineUser, error) {
	p, err := resourcePath("organizations", orgID, "machine-users", id)
	if err != nil {
		return nil, err
	}
	var out MachineUser
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateMachineUser creates a machine user. It sends an Idempotency-Key,
// generated once for this call and reused by its retries.
func (c *Client) CreateMachineUser(ctx context.Context, orgID string, in MachineUserCreate) (*MachineUser, error) {
	p, err := resourcePath("organizations", orgID, "machine-users")
	if err != nil {
		return nil, err
	}
	var out MachineUser
	if err := c.create(ctx, p, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMachineUser changes the non-nil fields of a machine user.
func (c *Client) UpdateMachineUser(ctx context.Context, orgID, id string, in MachineUserUpdate) (*MachineUser, error) {
	p, err := resourcePath("organizations", orgID, "machine-users", id)
	if err != nil {
		return nil, err
	}
	var out MachineUser
	if err := c.do(ctx, http.MethodPatch, p, nil, in, "", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMachineUser deletes a machine user (and its keys and role bindings).
// A 404 is returned as an error; callers that treat it as done use
// IsNotFound.
func (c *Client) DeleteMachineUser(ctx context.Context, orgID, id string) error {
	p, err := resourcePath("organizations", orgID, "machine-users", id)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, "", nil)
}
