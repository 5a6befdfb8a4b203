package client

import "context"

// Cluster is a PostgreSQL registered by the platform operator as a cluster of
// a project. Its connection string never leaves the server.
type Cluster struct {
	ID              string
	Name            string
	ProjectID       string
	OrganizationID  string
	PostgresVersion string
	Metadata        Metadata
}

type clusterProps struct {
	Name            string `json:"name"`
	ProjectID       string `json:"projectId"`
	OrganizationID  string `json:"organizationId"`
	PostgresVersion string `json:"postgresVersion"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (cl *Cluster) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "cluster", cl, func(e envelope[clusterProps]) Cluster {
		p := e.Properties
		return Cluster{ID: e.ID, Name: p.Name, ProjectID: p.ProjectID, OrganizationID: p.OrganizationID,
			PostgresVersion: p.PostgresVersion, Metadata: e.Metadata.model()}
	})
}

// ListClustersOptions filters ListClusters; empty fields match everything.
type ListClustersOptions struct {
	Name string
}

// ListClusters lists the clusters of a project (all pages).
func (c *Client) ListClusters(ctx context.Context, projectID string, opts ListClustersOptions) ([]Cluster, error) {
	return listAll[Cluster](ctx, c, filter("name", opts.Name), "projects", projectID, "clusters")
}

// GetCluster reads a cluster.
func (c *Client) GetCluster(ctx context.Context, clusterID string) (*Cluster, error) {
	return getOne[Cluster](ctx, c, "clusters", clusterID)
}
