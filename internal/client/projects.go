package client

import "context"

// Project is a project ("project").
type Project struct {
	ID             string
	Name           string
	OrganizationID string
	Metadata       Metadata
}

type projectProps struct {
	Name           string `json:"name"`
	OrganizationID string `json:"organizationId"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (p *Project) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "project", p, func(e envelope[projectProps]) Project {
		return Project{ID: e.ID, Name: e.Properties.Name, OrganizationID: e.Properties.OrganizationID, Metadata: e.Metadata.model()}
	})
}

// ListProjectsOptions filters ListProjects.
type ListProjectsOptions struct {
	Name string // exact project name; "" = all
}

// ListProjects lists all projects of an organization (all pages).
func (c *Client) ListProjects(ctx context.Context, orgID string, opts ListProjectsOptions) ([]Project, error) {
	return listAll[Project](ctx, c, filter("name", opts.Name), "organizations", orgID, "projects")
}

// GetProject reads a project by id.
func (c *Client) GetProject(ctx context.Context, projectID string) (*Project, error) {
	return getOne[Project](ctx, c, "projects", projectID)
}
