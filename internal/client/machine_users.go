package client

import (
	"context"
	"iter"
)

// MachineUser is a machine user ("machine-user").
type MachineUser struct {
	ID              string
	OrganizationID  string
	Username        string
	Name            string
	Description     string
	Email           string
	AccessTokenType string
	Metadata        Metadata
	// AccessKey is the initial access key (with its Secret) when the create
	// asked for one; nil in every other answer.
	AccessKey *AccessKey
}

type machineUserProps struct {
	OrganizationID  string `json:"organizationId"`
	Username        string `json:"username"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	Email           string `json:"email"`
	AccessTokenType string `json:"accessTokenType"`
	// AccessKey is only in the answer of a create that asked for a key.
	AccessKey *accessKeyProps `json:"accessKey"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (m *MachineUser) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "machine user", m, func(e envelope[machineUserProps]) MachineUser {
		p := e.Properties
		mu := MachineUser{
			ID: e.ID, OrganizationID: p.OrganizationID, Username: p.Username, Name: p.Name,
			Description: p.Description, Email: p.Email, AccessTokenType: p.AccessTokenType,
			Metadata: e.Metadata.model(),
		}
		if p.AccessKey != nil {
			key := p.AccessKey.model("", Metadata{})
			mu.AccessKey = &key
		}
		return mu
	})
}

// MachineUserCreate is the body of a machine-user create; empty fields are
// omitted.
type MachineUserCreate struct {
	ID              string `json:"id,omitempty"`
	Username        string `json:"username"`
	Name            string `json:"name,omitempty"`
	Description     string `json:"description,omitempty"`
	Email           string `json:"email,omitempty"`
	AccessTokenType string `json:"accessTokenType,omitempty"`
	// AccessKey asks for an initial access key, returned with its secret in
	// MachineUser.AccessKey.
	AccessKey *AccessKeyCreate `json:"accessKey,omitempty"`
}

// MachineUserUpdate is the body of a machine-user PATCH; nil fields are
// omitted, a pointer to "" is sent (and clears description/email).
type MachineUserUpdate struct {
	Username        *string `json:"username,omitempty"`
	Name            *string `json:"name,omitempty"`
	Description     *string `json:"description,omitempty"`
	Email           *string `json:"email,omitempty"`
	AccessTokenType *string `json:"accessTokenType,omitempty"`
}

// ListMachineUsersOptions filters ListMachineUsers.
type ListMachineUsersOptions struct {
	Username string // exact username; "" = all
}

// ListMachineUsers lists the machine users of an organization (all pages).
func (c *Client) ListMachineUsers(ctx context.Context, orgID string, opts ListMachineUsersOptions) ([]MachineUser, error) {
	return listAll[MachineUser](ctx, c, filter("username", opts.Username), "organizations", orgID, "machine-users")
}

// EachMachineUser walks the machine users of an organization a page at a
// time; breaking out of the loop fetches no further page.
func (c *Client) EachMachineUser(ctx context.Context, orgID string, opts ListMachineUsersOptions) iter.Seq2[MachineUser, error] {
	return each[MachineUser](ctx, c, filter("username", opts.Username), "organizations", orgID, "machine-users")
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
