package client

import "context"

// Organization is an organization ("organization").
type Organization struct {
	ID       string
	Name     string
	Metadata Metadata
}

type organizationProps struct {
	Name string `json:"name"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (o *Organization) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "organization", o, func(e envelope[organizationProps]) Organization {
		return Organization{ID: e.ID, Name: e.Properties.Name, Metadata: e.Metadata.model()}
	})
}

// GetOrganization reads an organization by id.
func (c *Client) GetOrganization(ctx context.Context, orgID string) (*Organization, error) {
	return getOne[Organization](ctx, c, "organizations", orgID)
}
