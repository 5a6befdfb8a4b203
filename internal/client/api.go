package client

import (
	"context"
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
	me, err := getOne[WhoAmI](ctx, c, "whoami")
	if err != nil {
		return nil, err
	}
	if me.RoleBindings == nil {
		me.RoleBindings = []RoleBindingRef{}
	}
	return me, nil
}

// GetOrganization reads an organization by id.
func (c *Client) GetOrganization(ctx context.Context, orgID string) (*Organization, error) {
	return getOne[Organization](ctx, c, "organizations", orgID)
}

// ListProjects lists all projects of an organization (all pages).
func (c *Client) ListProjects(ctx context.Context, orgID string, opts ListProjectsOptions) ([]Project, error) {
	return listAll[Project](ctx, c, filter("name", opts.Name), "organizations", orgID, "projects")
}

// GetProject reads a project by id.
func (c *Client) GetProject(ctx context.Context, projectID string) (*Project, error) {
	return getOne[Project](ctx, c, "projects", projectID)
}

// ListRoles lists all roles (all pages).
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	return listAll[Role](ctx, c, nil, "roles")
}

// ListUsers lists the users (people and machines) of an organization (all
// pages).
func (c *Client) ListUsers(ctx context.Context, orgID string, opts ListUsersOptions) ([]User, error) {
	return listAll[User](ctx, c, filter("type", opts.Type), "organizations", orgID, "users")
}

// GetUser reads a user (person or machine) of an organization by id.
func (c *Client) GetUser(ctx context.Context, orgID, userID string) (*User, error) {
	return getOne[User](ctx, c, "organizations", orgID, "users", userID)
}

// ListMachineUsers lists the machine users of an organization (all pages).
func (c *Client) ListMachineUsers(ctx context.Context, orgID string, opts ListMachineUsersOptions) ([]MachineUser, error) {
	return listAll[MachineUser](ctx, c, filter("username", opts.Username), "organizations", orgID, "machine-users")
}

// GetMachineUser reads a machine user by id.
func (c *Client) GetMachineUser(ctx context.Context, orgID, id string) (*MachineUser, error) {
	return getOne[MachineUser](ctx, c, "organizations", orgID, "machine-users", id)
}

// CreateMachineUser creates a machine user. It sends an Idempotency-Key,
// generated once for this call and reused by its retries.
func (c *Client) CreateMachineUser(ctx context.Context, orgID string, in MachineUserCreate) (*MachineUser, error) {
	return createOne[MachineUser](ctx, c, in, "organizations", orgID, "machine-users")
}

// UpdateMachineUser changes the non-nil fields of a machine user.
func (c *Client) UpdateMachineUser(ctx context.Context, orgID, id string, in MachineUserUpdate) (*MachineUser, error) {
	return updateOne[MachineUser](ctx, c, in, "organizations", orgID, "machine-users", id)
}

// DeleteMachineUser deletes a machine user (and its keys and role bindings).
// A 404 is returned as an error; callers that treat it as done use
// IsNotFound.
func (c *Client) DeleteMachineUser(ctx context.Context, orgID, id string) error {
	return deleteOne(ctx, c, "organizations", orgID, "machine-users", id)
}
