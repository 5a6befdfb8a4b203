package client

import "context"

// User types.
const (
	UserTypePerson  = "person"
	UserTypeMachine = "machine"
)

// User is a person or machine of an organization ("user").
type User struct {
	ID             string
	Type           string // "person" | "machine"
	OrganizationID string
	Username       string
	Name           string
	Email          string
	Metadata       Metadata
}

type userProps struct {
	UserType       string `json:"userType"`
	OrganizationID string `json:"organizationId"`
	Username       string `json:"username"`
	Name           string `json:"name"`
	Email          string `json:"email"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (u *User) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "user", u, func(e envelope[userProps]) User {
		return User{
			ID: e.ID, Type: e.Properties.UserType, OrganizationID: e.Properties.OrganizationID,
			Username: e.Properties.Username, Name: e.Properties.Name, Email: e.Properties.Email,
			Metadata: e.Metadata.model(),
		}
	})
}

// ListUsersOptions filters ListUsers.
type ListUsersOptions struct {
	Type string // "person" | "machine"; "" = all
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
